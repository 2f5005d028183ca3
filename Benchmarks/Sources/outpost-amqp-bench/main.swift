// outpost-amqp-bench: AMQP 1.0 load tool (issue 3). N senders and M competing receivers on one
// queue, speaking AMQP 1.0 as a client through the project's AMQPCodec over swift-nio:
// SASL ANONYMOUS, open, begin, attach; senders keep up to W deliveries unsettled, receivers
// grant credit and accept in ranges. Verifies every message arrived exactly once.
import BenchClientKit
import Foundation
import AMQPCodec
import NIOCore
import NIOPosix

let usage = """
    usage: outpost-amqp-bench [options]
      --url amqp://HOST:PORT[/ADDRESS]   broker (amqp://127.0.0.1:5672); the path, if any, is the address
      --address A           queue address (bench); RabbitMQ 3.x wants /queue/NAME. A random suffix is added
      --senders N           sending connections (1)
      --receivers M         receiving connections, competing on the queue (1)
      --size BYTES          body size, at least 24 (1024)
      --messages K          messages per sender (100000)
      --durable             durable messages (header durable) and durable termini
      --window W            deliveries a sender keeps unsettled (1000)
      --credit C            link credit a receiver grants (1000)
      --scenario both|backlog   both at once, or send everything first and then receive (both)
      --threads T           event loop threads of the tool (1)
      --idle-timeout S      give up after S seconds without progress (15)
      --label TEXT          printed on the RESULT lines
    Exit status: 0 ok, 1 a message was lost, duplicated or refused (or a connection failed), 2 usage.
    """

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(usage)
    exit(0)
}
let options = Options(arguments, flags: ["durable"])

struct Config {
    var host: String
    var port: Int
    var address: String
    var senders: Int
    var receivers: Int
    var size: Int
    var messages: Int
    var durable: Bool
    var window: Int
    var credit: Int
    var backlog: Bool
    var threads: Int
    var idleTimeout: Double
    var label: String
}

let config: Config = {
    var url = options.string("url", "amqp://127.0.0.1:5672")
    guard url.hasPrefix("amqp://") else { fatalExit("--url must start with amqp://") }
    url.removeFirst("amqp://".count)
    var address = options.string("address", "bench")
    var hostPort = url
    if let slash = url.firstIndex(of: "/") {
        hostPort = String(url[..<slash])
        let path = String(url[url.index(after: slash)...])
        if !path.isEmpty { address = path }
    }
    var host = hostPort
    var port = 5672
    if let colon = hostPort.lastIndex(of: ":") {
        host = String(hostPort[..<colon])
        guard let value = Int(hostPort[hostPort.index(after: colon)...]) else { fatalExit("bad port in --url") }
        port = value
    }
    let size = options.int("size", 1024)
    guard size >= PayloadStamp.size else { fatalExit("--size must be at least \(PayloadStamp.size)") }
    let scenario = options.string("scenario", "both")
    guard scenario == "both" || scenario == "backlog" else { fatalExit("--scenario is both or backlog") }
    return Config(
        host: host,
        port: port,
        address: address + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16),
        senders: max(1, options.int("senders", 1)),
        receivers: max(1, options.int("receivers", 1)),
        size: size,
        messages: max(1, options.int("messages", 100_000)),
        durable: options.flag("durable"),
        window: max(1, options.int("window", 1000)),
        credit: max(1, options.int("credit", 1000)),
        backlog: scenario == "backlog",
        threads: max(1, options.int("threads", 1)),
        idleTimeout: options.double("idle-timeout", 15),
        label: options.string("label", "")
    )
}()

let progress = SharedProgress()
let sessionWindow: UInt32 = 1 << 20
let terminusDurability: AMQPTerminusDurability = config.durable ? .unsettledState : .none

/// The header section (part 3.2.1) with durable = true: described list of one boolean.
/// Written by hand because the codec builds a header only around a parsed bare message.
let durableHeaderSection: [UInt8] = [0x00, 0x53, 0x70, 0xC0, 0x02, 0x01, 0x41]

/// One connection with one session (channel 0) and one link (handle 0).
final class LinkHandler: ChannelInboundHandler {
    typealias InboundIn = AMQPInbound
    typealias OutboundOut = ByteBuffer

    let isSender: Bool
    let index: Int
    let ready: EventLoopPromise<Void>
    let finished: EventLoopPromise<Void>
    var readyDone = false
    var finishedDone = false
    weak var context: ChannelHandlerContext?
    var heartbeat: RepeatedTask?
    var remoteMaxFrameSize = Int(UInt32.max)

    // Sender state.
    var started = false
    var sent = 0
    var settled = 0
    var refused = 0
    var unsettled = 0
    var deliveryCount: UInt32 = 0
    var linkCredit: Int64 = 0
    var nextOutgoingID: UInt32 = 0
    var remoteIncomingWindow: Int64 = 0
    var sentAt: [UInt64] = []
    var confirmLatencies = LatencySamples()
    var pumpScheduled = false

    // Receiver state.
    var nextIncomingID: UInt32 = 0
    var receiverDeliveryCount: UInt32 = 0
    var creditLeft = 0
    var toAccept: [(UInt32, UInt32)] = []
    var partial: ByteBuffer?
    var partialDeliveryID: UInt32 = 0
    var ledger = ReceiptLedger(senders: config.senders, messagesPerSender: config.messages)
    var latencies = LatencySamples()
    var pendingReceived = 0

    init(isSender: Bool, index: Int, ready: EventLoopPromise<Void>, finished: EventLoopPromise<Void>) {
        self.isSender = isSender
        self.index = index
        self.ready = ready
        self.finished = finished
        if isSender { self.sentAt = Array(repeating: 0, count: config.messages) }
    }

    var name: String { "\(self.isSender ? "sender" : "receiver") \(self.index)" }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 8)
        buffer.writeAMQPProtocolHeader(.sasl)
        context.writeAndFlush(NIOAny(buffer), promise: nil)
        self.heartbeat = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(10), delay: .seconds(10)) {
            [weak self] _ in
            guard let context = self?.context else { return }
            var buffer = context.channel.allocator.buffer(capacity: 8)
            buffer.writeAMQPHeartbeat()
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        }
    }

    func write(_ context: ChannelHandlerContext, _ performatives: [AMQPPerformative], flush: Bool = true) {
        var buffer = context.channel.allocator.buffer(capacity: 256)
        for performative in performatives {
            buffer.writeAMQPFrame(channel: 0, performative: performative)
        }
        context.write(NIOAny(buffer), promise: nil)
        if flush { context.flush() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .protocolHeader(let header):
            if header.protocolID == .amqp {
                // Open only after the broker's AMQP header: RabbitMQ 3.x drops frames pipelined behind ours.
                self.openSessionAndLink(context)
            } else if header.protocolID != .sasl {
                self.fail(context, "\(self.name): protocol header \(header)")
            }
        case .saslFrame(.mechanisms(let mechanisms)):
            guard mechanisms.mechanisms.contains("ANONYMOUS") else {
                self.fail(context, "\(self.name): no SASL ANONYMOUS (offered \(mechanisms.mechanisms))")
                return
            }
            var buffer = context.channel.allocator.buffer(capacity: 64)
            buffer.writeSASLFrame(.initial(AMQPSASLInit(mechanism: "ANONYMOUS", initialResponse: ByteBuffer(string: "bench"))))
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        case .saslFrame(.outcome(let outcome)):
            guard outcome.code == .ok else {
                self.fail(context, "\(self.name): SASL outcome \(outcome.code)")
                return
            }
            var buffer = context.channel.allocator.buffer(capacity: 8)
            buffer.writeAMQPProtocolHeader(.amqp)
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        case .saslFrame(let other):
            self.fail(context, "\(self.name): unexpected SASL frame \(other)")
        case .heartbeat:
            break
        case .frame(let frame):
            self.handle(frame, context: context)
        }
    }

    func openSessionAndLink(_ context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 512)
        let container = "bench-\(self.isSender ? "s" : "r")\(self.index)-\(UInt32.random(in: 0...UInt32.max))"
        buffer.writeAMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: container, hostname: config.host, maxFrameSize: 65_536, channelMax: 0)))
        buffer.writeAMQPFrame(channel: 0, performative: .begin(AMQPBegin(nextOutgoingID: 0, incomingWindow: sessionWindow, outgoingWindow: sessionWindow)))
        let attach: AMQPAttach
        if self.isSender {
            attach = AMQPAttach(
                name: "\(container)-link", handle: 0, role: .sender, senderSettleMode: .unsettled, receiverSettleMode: .first,
                source: AMQPSource(address: container),
                target: .target(AMQPTarget(address: config.address, durable: terminusDurability)),
                initialDeliveryCount: 0)
        } else {
            attach = AMQPAttach(
                name: "\(container)-link", handle: 0, role: .receiver, senderSettleMode: .unsettled, receiverSettleMode: .first,
                source: AMQPSource(address: config.address, durable: terminusDurability),
                target: .target(AMQPTarget(address: container)))
        }
        buffer.writeAMQPFrame(channel: 0, performative: .attach(attach))
        context.writeAndFlush(NIOAny(buffer), promise: nil)
    }

    func handle(_ frame: AMQPFrame, context: ChannelHandlerContext) {
        switch frame.performative {
        case .open(let open):
            self.remoteMaxFrameSize = Int(open.maxFrameSize)
        case .begin(let begin):
            self.nextIncomingID = begin.nextOutgoingID
            self.remoteIncomingWindow = Int64(begin.incomingWindow)
        case .attach(let attach):
            if self.isSender {
                guard attach.target != nil else { return }  // refused: a detach with the error follows
                self.markReady()
            } else {
                guard attach.source != nil else { return }
                self.receiverDeliveryCount = attach.initialDeliveryCount ?? 0
                self.grantCredit(context)
                self.markReady()
            }
        case .flow(let flow):
            let nextIncoming = flow.nextIncomingID ?? 0
            self.remoteIncomingWindow = Int64(nextIncoming) + Int64(flow.incomingWindow) - Int64(self.nextOutgoingID)
            if self.isSender, flow.handle == 0, let credit = flow.linkCredit {
                let theirCount = flow.deliveryCount ?? 0
                self.linkCredit = Int64(Int32(bitPattern: theirCount &+ credit &- self.deliveryCount))
                self.pump()
            }
        case .transfer(let transfer):
            self.nextIncomingID &+= 1
            guard !self.isSender else { return }
            if self.partial == nil {
                self.partialDeliveryID = transfer.deliveryID ?? 0
            }
            if transfer.more {
                if self.partial == nil { self.partial = context.channel.allocator.buffer(capacity: config.size + 256) }
                var payload = frame.payload
                self.partial!.writeBuffer(&payload)
                return
            }
            var message = frame.payload
            if var partial = self.partial {
                partial.writeBuffer(&message)
                message = partial
                self.partial = nil
            }
            self.received(message, deliveryID: self.partialDeliveryID, preSettled: transfer.settled == true)
        case .disposition(let disposition):
            guard self.isSender, disposition.role == .receiver, disposition.settled else { return }
            let last = disposition.last ?? disposition.first
            let count = Int(last &- disposition.first) + 1
            let now = BenchClock.now()
            var id = disposition.first
            for _ in 0..<count {
                if Int(id) < self.sentAt.count { self.confirmLatencies.append(now &- self.sentAt[Int(id)]) }
                id &+= 1
            }
            switch disposition.state {
            case .accepted?, nil: break
            default:
                self.refused += count
                progress.fail("\(self.name): deliveries \(disposition.first)...\(last) settled as \(String(describing: disposition.state))")
            }
            self.settled += count
            self.unsettled -= count
            if self.settled >= config.messages { self.finish() } else { self.pump() }
        case .detach(let detach):
            self.fail(context, "\(self.name): detach from the broker \(detach.error.map { "\($0.condition.rawValue) \($0.description ?? "")" } ?? "")")
        case .end(let end):
            self.fail(context, "\(self.name): end from the broker \(end.error.map { "\($0.condition.rawValue) \($0.description ?? "")" } ?? "")")
        case .close(let close):
            self.fail(context, "\(self.name): close from the broker \(close.error.map { "\($0.condition.rawValue) \($0.description ?? "")" } ?? "")")
        }
    }

    // MARK: sender

    func start() {
        self.started = true
        self.pump()
    }

    func pump() {
        guard self.started, let context = self.context, context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64 * (config.size + 64))
        var batch = 0
        while self.sent < config.messages, self.unsettled < config.window, self.linkCredit > 0, self.remoteIncomingWindow > 0,
            batch < 64, context.channel.isWritable
        {
            let deliveryID = UInt32(self.sent)
            var tag = context.channel.allocator.buffer(capacity: 4)
            tag.writeInteger(deliveryID)
            var message = context.channel.allocator.buffer(capacity: config.size + 32)
            if config.durable { message.writeBytes(durableHeaderSection) }
            var body = context.channel.allocator.buffer(capacity: config.size)
            PayloadStamp.write(into: &body, size: config.size, sender: UInt32(self.index), sequence: UInt64(self.sent))
            AMQPBareMessage(body: .data([body])).encode(into: &message)
            let start = buffer.writerIndex
            buffer.writeAMQPFrame(
                channel: 0,
                performative: .transfer(AMQPTransfer(handle: 0, deliveryID: deliveryID, deliveryTag: tag, messageFormat: 0, settled: false)),
                payload: message)
            if buffer.writerIndex - start > self.remoteMaxFrameSize {
                self.fail(context, "\(self.name): a \(config.size) B message needs more than one frame (max \(self.remoteMaxFrameSize)); not supported")
                return
            }
            self.sentAt[Int(deliveryID)] = BenchClock.now()
            self.sent += 1
            self.unsettled += 1
            self.linkCredit -= 1
            self.remoteIncomingWindow -= 1
            self.deliveryCount &+= 1
            self.nextOutgoingID &+= 1
            batch += 1
        }
        if batch > 0 {
            context.writeAndFlush(NIOAny(buffer), promise: nil)
            progress.addSent(batch)
        }
        if self.sent < config.messages, self.unsettled < config.window, self.linkCredit > 0, self.remoteIncomingWindow > 0,
            context.channel.isWritable, !self.pumpScheduled
        {
            self.pumpScheduled = true
            context.eventLoop.execute {
                self.pumpScheduled = false
                self.pump()
            }
        }
    }

    func finish() {
        guard !self.finishedDone else { return }
        self.finishedDone = true
        progress.senderFinished()
        self.finished.succeed(())
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.pump() }
    }

    // MARK: receiver

    func grantCredit(_ context: ChannelHandlerContext) {
        self.creditLeft = config.credit
        let flow = AMQPFlow(
            nextIncomingID: self.nextIncomingID, incomingWindow: sessionWindow, nextOutgoingID: 0, outgoingWindow: sessionWindow,
            handle: 0, deliveryCount: self.receiverDeliveryCount, linkCredit: UInt32(config.credit))
        self.write(context, [.flow(flow)], flush: false)
    }

    func received(_ message: ByteBuffer, deliveryID: UInt32, preSettled: Bool) {
        let now = BenchClock.now()
        if let stamp = PayloadStamp.read(message, search: true) {
            self.ledger.record(sender: stamp.sender, sequence: stamp.sequence)
            self.latencies.append(now &- stamp.sentAt)
        } else {
            progress.fail("\(self.name): a message without a stamp")
        }
        self.pendingReceived += 1
        self.receiverDeliveryCount &+= 1
        self.creditLeft -= 1
        if !preSettled {
            if let last = self.toAccept.last, last.1 &+ 1 == deliveryID {
                self.toAccept[self.toAccept.count - 1].1 = deliveryID
            } else {
                self.toAccept.append((deliveryID, deliveryID))
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard !self.isSender, self.readyDone else { return }
        if !self.toAccept.isEmpty {
            let dispositions = self.toAccept.map {
                AMQPPerformative.disposition(AMQPDisposition(role: .receiver, first: $0.0, last: $0.1, settled: true, state: .accepted))
            }
            self.toAccept.removeAll(keepingCapacity: true)
            self.write(context, dispositions, flush: false)
        }
        if self.creditLeft <= config.credit / 2 { self.grantCredit(context) }
        context.flush()
        if self.pendingReceived > 0 {
            progress.addReceived(self.pendingReceived, at: BenchClock.now())
            self.pendingReceived = 0
        }
    }

    // MARK: common

    func markReady() {
        guard !self.readyDone else { return }
        self.readyDone = true
        self.ready.succeed(())
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.fail(context, "\(self.name): \(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.heartbeat?.cancel()
        if !self.readyDone {
            progress.fail("\(self.name): the broker closed the connection during set-up")
            self.readyDone = true
            self.ready.fail(ChannelError.ioOnClosedChannel)
        }
    }

    func fail(_ context: ChannelHandlerContext, _ message: String) {
        progress.fail(message)
        if !self.readyDone {
            self.readyDone = true
            self.ready.fail(ChannelError.ioOnClosedChannel)
        }
        context.close(promise: nil)
    }

    func closeGracefully() {
        guard let context = self.context, context.channel.isActive else { return }
        self.write(context, [.close(AMQPClose())])
    }
}

// MARK: - Run

let group = MultiThreadedEventLoopGroup(numberOfThreads: config.threads)

func connect(isSender: Bool, index: Int) throws -> (Channel, LinkHandler) {
    var handler: LinkHandler!
    let channel = try ClientBootstrap(group: group)
        .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                handler = LinkHandler(
                    isSender: isSender, index: index, ready: channel.eventLoop.makePromise(), finished: channel.eventLoop.makePromise())
                try channel.pipeline.syncOperations.addHandler(
                    ByteToMessageHandler(AMQPFrameDecoder(maximumFrameSize: 1 << 20, expectingProtocolHeader: true)))
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
        .connect(host: config.host, port: config.port)
        .wait()
    return (channel, handler)
}

func connectAll(isSender: Bool, count: Int) -> [(Channel, LinkHandler)] {
    do {
        let links = try (0..<count).map { try connect(isSender: isSender, index: $0) }
        for (_, handler) in links { try handler.ready.futureResult.wait() }
        return links
    } catch {
        fatalExit("connecting to \(config.host):\(config.port): \(error); \(progress.errors)", status: 1)
    }
}

let expected = config.senders * config.messages
var senders: [(Channel, LinkHandler)] = []
var receivers: [(Channel, LinkHandler)] = []
let cpuBefore = processCPUSeconds()
var startAt: UInt64 = 0
var sendEndAt: UInt64 = 0
var receiveStartAt: UInt64 = 0
var completed = true

if !config.backlog {
    receivers = connectAll(isSender: false, count: config.receivers)
    senders = connectAll(isSender: true, count: config.senders)
    startAt = BenchClock.now()
    receiveStartAt = startAt
    for (channel, handler) in senders { channel.eventLoop.execute { handler.start() } }
    completed = waitUntil(
        idleSeconds: config.idleTimeout, progress: { progress.received + progress.sent },
        done: { progress.received >= expected && progress.finishedSenders == config.senders })
    sendEndAt = BenchClock.now()
} else {
    senders = connectAll(isSender: true, count: config.senders)
    startAt = BenchClock.now()
    for (channel, handler) in senders { channel.eventLoop.execute { handler.start() } }
    completed = waitUntil(
        idleSeconds: config.idleTimeout, progress: { progress.sent + progress.finishedSenders },
        done: { progress.finishedSenders == config.senders })
    sendEndAt = BenchClock.now()
    receiveStartAt = BenchClock.now()
    receivers = connectAll(isSender: false, count: config.receivers)
    let drained = waitUntil(
        idleSeconds: config.idleTimeout, progress: { progress.received }, done: { progress.received >= expected })
    completed = completed && drained
}
let cpuAfter = processCPUSeconds()
var endAt = progress.lastReceiveAt
if endAt == 0 { endAt = BenchClock.now() }

var ledger = ReceiptLedger(senders: config.senders, messagesPerSender: config.messages)
var latencies = LatencySamples()
var confirmLatencies = LatencySamples()
var sent = 0
var refused = 0
for (channel, handler) in receivers {
    let (l, samples) = try! channel.eventLoop.submit { (handler.ledger, handler.latencies) }.wait()
    ledger.merge(l)
    latencies.append(contentsOf: samples)
}
for (channel, handler) in senders {
    let (s, r, samples) = try! channel.eventLoop.submit { (handler.sent, handler.refused, handler.confirmLatencies) }.wait()
    sent += s
    refused += r
    confirmLatencies.append(contentsOf: samples)
}
for (channel, handler) in senders + receivers {
    channel.eventLoop.execute { handler.closeGracefully() }
    _ = try? channel.closeFuture.flatMap { channel.eventLoop.makeSucceededVoidFuture() }
        .and(channel.eventLoop.scheduleTask(in: .milliseconds(300)) {}.futureResult).wait()
}
for (channel, _) in senders + receivers { _ = try? channel.close().wait() }
try? group.syncShutdownGracefully()

// MARK: - Report

var problems = progress.errors.filter { !$0.contains("close from the broker") }
if !completed { problems.append("gave up after \(config.idleTimeout) s without progress") }
if ledger.received != expected || ledger.duplicates != 0 || ledger.foreign != 0 || refused != 0 {
    problems.append("received \(ledger.received) of \(expected) distinct, \(ledger.duplicates) duplicates, \(ledger.foreign) foreign, \(refused) refused")
}
let cpu = cpuAfter - cpuBefore
let cpuPerMessage = cpu / Double(max(1, sent + ledger.received)) * 1e6
let e2e = latencies.percentiles([50, 99, 99.9])
let confirm = confirmLatencies.percentiles([50, 99])
let label = config.label.isEmpty ? "-" : config.label
var resultFields = ""
if config.backlog {
    let sendRate = Double(sent) / (Double(sendEndAt &- startAt) / 1e9)
    let drainRate = Double(ledger.received) / (Double(endAt &- receiveStartAt) / 1e9)
    print("""
        AMQP 1.0 backlog (send all, then receive): \(config.senders) → \(config.receivers), \(config.size) B, \
        \(config.durable ? "durable" : "non-durable"), window \(config.window), credit \(config.credit), \(config.address)
          send phase \(format(sendRate, 0)) msgs/s (all \(sent) settled), drain phase \(format(drainRate, 0)) msgs/s (\(ledger.received) received)
          confirm latency p50 \(format(confirm[0])) µs, p99 \(format(confirm[1])) µs (send → settled disposition)
          tool CPU \(format(cpu, 2)) s = \(format(cpuPerMessage, 2)) µs per message handled
        """)
    resultFields = "send_msgs_per_s=\(format(sendRate, 0)) drain_msgs_per_s=\(format(drainRate, 0)) msgs_per_s=\(format(min(sendRate, drainRate), 0))"
} else {
    let rate = Double(ledger.received) / (Double(endAt &- startAt) / 1e9)
    print("""
        AMQP 1.0 send and receive at once: \(config.senders) → \(config.receivers), \(config.size) B, \
        \(config.durable ? "durable" : "non-durable"), window \(config.window), credit \(config.credit), \(config.address)
          sent \(sent), received \(ledger.received) of \(expected) (duplicates \(ledger.duplicates)) in \(format(Double(endAt &- startAt) / 1e9, 3)) s
          throughput \(format(rate, 0)) msgs/s (first send → last receive)
          latency p50 \(format(e2e[0])) µs, p99 \(format(e2e[1])) µs, p99.9 \(format(e2e[2])) µs (send → receive)
          confirm latency p50 \(format(confirm[0])) µs, p99 \(format(confirm[1])) µs (send → settled disposition)
          tool CPU \(format(cpu, 2)) s = \(format(cpuPerMessage, 2)) µs per message handled (\(format(cpu / (Double(endAt &- startAt) / 1e9) * 100, 0))% of one core)
        """)
    resultFields = "msgs_per_s=\(format(rate, 0)) p50_us=\(format(e2e[0])) p99_us=\(format(e2e[1]))"
}
for problem in problems.prefix(20) { print("  PROBLEM: \(problem)") }
print(
    "RESULT tool=amqp label=\(label) \(resultFields) confirm_p50_us=\(format(confirm[0])) confirm_p99_us=\(format(confirm[1])) "
        + "cpu_us_per_msg=\(format(cpuPerMessage, 2)) received=\(ledger.received) expected=\(expected) "
        + "duplicates=\(ledger.duplicates) ok=\(problems.isEmpty ? 1 : 0)")
exit(problems.isEmpty ? 0 : 1)
