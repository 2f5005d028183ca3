import NIOConcurrencyHelpers
import NIOCore

/// Carries values produced on any thread (a queue's deliveries, the store writer's commit
/// completions) to one connection's event loop in batches: it keeps at most one task scheduled there, and that
/// task takes everything that arrived until it runs, in arrival order.
///
/// One `execute` per value would cost a task allocation and often a cross-thread wake-up per
/// message, and would make the connection write and flush each message on its own; a burst that
/// arrives while a hop is pending now rides on it.
public final class EventLoopInbox<Element: Sendable>: Sendable {
    private struct State {
        var elements: [Element] = []
        /// A task that will take `elements` is queued on the event loop.
        var isHopScheduled = false
    }

    private let eventLoop: any EventLoop
    private let receive: @Sendable ([Element]) -> Void
    /// Held only to append to or take `elements`, never while calling out: it nests under whatever
    /// lock the producer holds and nothing nests under it.
    private let state = NIOLockedValueBox(State())

    /// `receive` runs on `eventLoop` with each batch, in the order the elements were appended.
    public init(eventLoop: any EventLoop, receive: @escaping @Sendable ([Element]) -> Void) {
        self.eventLoop = eventLoop
        self.receive = receive
    }

    public func append(_ element: Element) {
        let mustHop = self.state.withLockedValue { state in
            state.elements.append(element)
            return Self.scheduleHop(&state)
        }
        if mustHop { self.hop() }
    }

    public func append(contentsOf elements: [Element]) {
        let mustHop = self.state.withLockedValue { state in
            if state.elements.isEmpty {
                state.elements = elements  // shares the caller's storage: no copy
            } else {
                state.elements.append(contentsOf: elements)
            }
            return Self.scheduleHop(&state)
        }
        if mustHop { self.hop() }
    }

    private static func scheduleHop(_ state: inout State) -> Bool {
        guard !state.isHopScheduled else { return false }
        state.isHopScheduled = true
        return true
    }

    private func hop() {
        self.eventLoop.execute { [self] in
            let batch = self.state.withLockedValue { state in
                state.isHopScheduled = false
                var batch: [Element] = []
                swap(&batch, &state.elements)
                return batch
            }
            self.receive(batch)
        }
    }
}
