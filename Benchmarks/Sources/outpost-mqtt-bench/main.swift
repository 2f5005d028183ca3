// outpost-mqtt-bench: MQTT load tool (issue 4). N publishers, M subscribers on one topic,
// QoS 0 or 1, MQTT 3.1.1 or 5, speaking MQTT through the project's MQTTCodec over swift-nio.
// Prints msgs/s (first publish → last receive), latency percentiles (send time stamped in the
// payload), the tool's own CPU per message, and verifies QoS 1 exactly-once per subscriber.
import BenchClientKit
import Foundation
import MQTTCodec
import NIOCore
import NIOPosix

let usage = """
    usage: outpost-mqtt-bench [options]
      --host H              broker host (127.0.0.1)
      --port P              broker port (1883)
      --publishers N        publishing connections (1)
      --subscribers M       subscribing connections (1); each receives every message
      --qos 0|1             QoS of publish and subscription (1)
      --size BYTES          payload size, at least 24 (100)
      --messages K          messages per publisher (100000)
      --version 3.1.1|5     protocol version (3.1.1)
      --rate R              total publish rate in msgs/s; 0 = as fast as possible (0)
      --inflight W          QoS 1 PUBLISHes a publisher keeps unacknowledged (100)
      --topic T             topic prefix; a random suffix is added (bench)
      --threads T           event loop threads of the tool (1)
      --idle-timeout S      give up after S seconds without progress (10)
      --label TEXT          printed on the RESULT line
      --latency-log FILE    write every latency sample (µs, one per line, in the order each
                            subscriber received them) to FILE, to see the shape of a tail
    Exit status: 0 ok, 1 a QoS 1 message was lost or duplicated (or a connection failed), 2 usage.
    """

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(usage)
    exit(0)
}
let options = Options(arguments, flags: [])

struct Config {
    var host: String
    var port: Int
    var publishers: Int
    var subscribers: Int
    var qos: MQTTQoS
    var size: Int
    var messages: Int
    var version: MQTTProtocolVersion
    var rate: Double
    var inflight: Int
    var topic: String
    var threads: Int
    var idleTimeout: Double
    var label: String
    var latencyLog: String
}

let config: Config = {
    let qosValue = options.int("qos", 1)
    guard qosValue == 0 || qosValue == 1 else { fatalExit("--qos must be 0 or 1") }
    let versionText = options.string("version", "3.1.1")
    let version: MQTTProtocolVersion
    switch versionText {
    case "3.1.1", "3", "4": version = .v3_1_1
    case "5", "5.0": version = .v5
    default: fatalExit("--version must be 3.1.1 or 5")
    }
    let size = options.int("size", 100)
    guard size >= PayloadStamp.size else { fatalExit("--size must be at least \(PayloadStamp.size)") }
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    return Config(
        host: options.string("host", "127.0.0.1"),
        port: options.int("port", 1883),
        publishers: max(1, options.int("publishers", 1)),
        subscribers: max(0, options.int("subscribers", 1)),
        qos: qosValue == 0 ? .atMostOnce : .atLeastOnce,
        size: size,
        messages: max(1, options.int("messages", 100_000)),
        version: version,
        rate: options.double("rate", 0),
        inflight: min(65_000, max(1, options.int("inflight", 100))),
        topic: options.string("topic", "bench") + "/" + suffix,
        threads: max(1, options.int("threads", 1)),
        idleTimeout: options.double("idle-timeout", 10),
        label: options.string("label", ""),
        latencyLog: options.string("latency-log", "")
    )
}()

let progress = SharedProgress()

// MARK: - Subscriber

final class SubscriberHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundOut = ByteBuffer

    let index: Int
    let subscribed: EventLoopPromise<Void>
    var ledger: ReceiptLedger
    var latencies = LatencySamples()
    var pendingReceived = 0
    var subscribedDone = false

    init(index: Int, subscribed: EventLoopPromise<Void>) {
        self.index = index
        self.subscribed = subscribed
        self.ledger = ReceiptLedger(senders: config.publishers, messagesPerSender: config.messages)
    }

    func channelActive(context: ChannelHandlerContext) {
        let connect = MQTTConnectPacket(
            protocolVersion: config.version,
            clientIdentifier: "bench-sub-\(self.index)-\(UInt32.random(in: 0...UInt32.max))",
            cleanStart: true,
            keepAliveSeconds: 0
        )
        send(.connect(connect), context: context, flush: true)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .connAck(let connAck):
            guard connAck.reasonCode.rawValue < 0x80 else {
                self.fail(context, "subscriber \(self.index): CONNACK \(connAck.reasonCode)")
                return
            }
            let subscription = MQTTSubscription(topicFilter: config.topic, options: MQTTSubscriptionOptions(qos: config.qos))
            send(.subscribe(MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [subscription])), context: context, flush: true)
        case .subAck(let subAck):
            guard let code = subAck.reasonCodes.first, code.rawValue < 0x80 else {
                self.fail(context, "subscriber \(self.index): SUBACK \(subAck.reasonCodes)")
                return
            }
            if code.rawValue != config.qos.rawValue {
                progress.fail("subscriber \(self.index): granted QoS \(code.rawValue), asked \(config.qos.rawValue)")
            }
            self.subscribedDone = true
            self.subscribed.succeed(())
        case .publish(let publish):
            let now = BenchClock.now()
            if let stamp = PayloadStamp.read(publish.payload, search: false) {
                self.ledger.record(sender: stamp.sender, sequence: stamp.sequence)
                self.latencies.append(now &- stamp.sentAt)
            } else {
                progress.fail("subscriber \(self.index): a payload without a stamp")
            }
            self.pendingReceived += 1
            if publish.qos == .atLeastOnce, let id = publish.packetIdentifier {
                send(.pubAck(MQTTPubAckPacket(packetIdentifier: id)), context: context, flush: false)
            }
        case .disconnect(let disconnect):
            self.fail(context, "subscriber \(self.index): DISCONNECT from the broker \(disconnect.reasonCode)")
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        if self.pendingReceived > 0 {
            progress.addReceived(self.pendingReceived, at: BenchClock.now())
            self.pendingReceived = 0
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.fail(context, "subscriber \(self.index): \(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.subscribedDone { self.subscribed.fail(ChannelError.ioOnClosedChannel) }
    }

    func fail(_ context: ChannelHandlerContext, _ message: String) {
        progress.fail(message)
        if !self.subscribedDone {
            self.subscribedDone = true
            self.subscribed.fail(ChannelError.ioOnClosedChannel)
        }
        context.close(promise: nil)
    }
}

// MARK: - Publisher

final class PublisherHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundOut = ByteBuffer

    let index: Int
    let connected: EventLoopPromise<Void>
    let finished: EventLoopPromise<Void>
    var connectedDone = false
    var window: Int
    var sent = 0
    var acked = 0
    var inflight = 0
    var nextPacketID: UInt16 = 0
    var startAt: UInt64 = 0
    var ratePerPublisher: Double = 0
    var pumpScheduled = false
    var finishedDone = false
    var rateTask: RepeatedTask?
    weak var context: ChannelHandlerContext?

    init(index: Int, connected: EventLoopPromise<Void>, finished: EventLoopPromise<Void>) {
        self.index = index
        self.connected = connected
        self.finished = finished
        self.window = config.inflight
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelActive(context: ChannelHandlerContext) {
        let connect = MQTTConnectPacket(
            protocolVersion: config.version,
            clientIdentifier: "bench-pub-\(self.index)-\(UInt32.random(in: 0...UInt32.max))",
            cleanStart: true,
            keepAliveSeconds: 0
        )
        send(.connect(connect), context: context, flush: true)
    }

    /// Called on the channel's event loop when every connection is ready.
    func start(at time: UInt64) {
        guard let context = self.context else { return }
        self.startAt = time
        if config.rate > 0 {
            self.ratePerPublisher = config.rate / Double(config.publishers)
            self.rateTask = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { [weak self] _ in
                self?.pump()
            }
        } else {
            self.pump()
        }
    }

    func pump() {
        guard let context = self.context, context.channel.isActive else { return }
        var allowed = config.messages
        if self.ratePerPublisher > 0 {
            let elapsed = Double(BenchClock.now() &- self.startAt) / 1e9
            allowed = min(config.messages, Int(elapsed * self.ratePerPublisher) + 1)
        }
        let qos1 = config.qos == .atLeastOnce
        var buffer = context.channel.allocator.buffer(capacity: 64 * (config.size + 32))
        var batch = 0
        while self.sent < allowed, batch < 64, !qos1 || self.inflight < self.window, context.channel.isWritable {
            var packetID: UInt16? = nil
            if qos1 {
                self.nextPacketID = self.nextPacketID == UInt16.max ? 1 : self.nextPacketID + 1
                packetID = self.nextPacketID
                self.inflight += 1
            }
            let payload = PayloadStamp.make(
                size: config.size, sender: UInt32(self.index), sequence: UInt64(self.sent), allocator: context.channel.allocator)
            let publish = MQTTPublishPacket(topicName: config.topic, payload: payload, qos: config.qos, packetIdentifier: packetID)
            do {
                try MQTTPacket.publish(publish).encode(into: &buffer, version: config.version)
            } catch {
                progress.fail("publisher \(self.index): encode \(error)")
                context.close(promise: nil)
                return
            }
            self.sent += 1
            batch += 1
        }
        if batch > 0 {
            context.writeAndFlush(NIOAny(buffer), promise: nil)
            progress.addSent(batch)
        }
        if !qos1, self.sent == config.messages {
            self.finish()
            return
        }
        // More to send now: yield to the event loop (reads, other channels), then go on.
        if self.ratePerPublisher == 0, self.sent < allowed, !qos1 || self.inflight < self.window,
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
        self.rateTask?.cancel()
        progress.senderFinished()
        self.finished.succeed(())
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.pump() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .connAck(let connAck):
            guard connAck.reasonCode.rawValue < 0x80 else {
                self.fail(context, "publisher \(self.index): CONNACK \(connAck.reasonCode)")
                return
            }
            if config.version == .v5, let receiveMaximum = connAck.properties.receiveMaximum {
                self.window = min(self.window, Int(receiveMaximum))
            }
            self.connectedDone = true
            self.connected.succeed(())
        case .pubAck(let pubAck):
            if pubAck.reasonCode.rawValue >= 0x80 {
                progress.fail("publisher \(self.index): PUBACK \(pubAck.reasonCode)")
            }
            self.inflight -= 1
            self.acked += 1
            if self.acked == config.messages { self.finish() }
        case .disconnect(let disconnect):
            self.fail(context, "publisher \(self.index): DISCONNECT from the broker \(disconnect.reasonCode)")
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.startAt != 0, self.ratePerPublisher == 0 { self.pump() }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.fail(context, "publisher \(self.index): \(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.connectedDone {
            self.connectedDone = true
            self.connected.fail(ChannelError.ioOnClosedChannel)
        }
        self.rateTask?.cancel()
    }

    func fail(_ context: ChannelHandlerContext, _ message: String) {
        progress.fail(message)
        if !self.connectedDone {
            self.connectedDone = true
            self.connected.fail(ChannelError.ioOnClosedChannel)
        }
        context.close(promise: nil)
    }
}

func send(_ packet: MQTTPacket, context: ChannelHandlerContext, flush: Bool) {
    var buffer = context.channel.allocator.buffer(capacity: 64)
    do {
        try packet.encode(into: &buffer, version: config.version)
    } catch {
        progress.fail("encode \(packet.packetType): \(error)")
        return
    }
    if flush {
        context.writeAndFlush(NIOAny(buffer), promise: nil)
    } else {
        context.write(NIOAny(buffer), promise: nil)
    }
}

// MARK: - Run

let group = MultiThreadedEventLoopGroup(numberOfThreads: config.threads)

func connect(_ makeHandler: @escaping (EventLoop) -> any ChannelInboundHandler) throws -> Channel {
    try ClientBootstrap(group: group)
        .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    ByteToMessageHandler(MQTTPacketDecoder(protocolVersion: config.version)))
                try channel.pipeline.syncOperations.addHandler(makeHandler(channel.eventLoop))
            }
        }
        .connect(host: config.host, port: config.port)
        .wait()
}

var subscribers: [(Channel, SubscriberHandler)] = []
var publishers: [(Channel, PublisherHandler)] = []
var exitStatus: Int32 = 0

do {
    for index in 0..<config.subscribers {
        var handler: SubscriberHandler!
        let channel = try connect { loop in
            handler = SubscriberHandler(index: index, subscribed: loop.makePromise())
            return handler
        }
        subscribers.append((channel, handler))
    }
    for (_, handler) in subscribers { try handler.subscribed.futureResult.wait() }
    for index in 0..<config.publishers {
        var handler: PublisherHandler!
        let channel = try connect { loop in
            handler = PublisherHandler(index: index, connected: loop.makePromise(), finished: loop.makePromise())
            return handler
        }
        publishers.append((channel, handler))
    }
    for (_, handler) in publishers { try handler.connected.futureResult.wait() }
} catch {
    fatalExit("setting up the connections to \(config.host):\(config.port): \(error); \(progress.errors)", status: 1)
}

// Subscriptions are in place once SUBACK arrived; a short pause lets a broker that binds
// asynchronously finish (MQTT promises delivery to a subscription only after SUBACK anyway).
usleep(100_000)

let expectedPerSubscriber = config.publishers * config.messages
let expectedTotal = expectedPerSubscriber * config.subscribers
let cpuBefore = processCPUSeconds()
let startAt = BenchClock.now()
for (channel, handler) in publishers {
    channel.eventLoop.execute { handler.start(at: startAt) }
}
let completed = waitUntil(
    idleSeconds: config.idleTimeout,
    progress: { progress.received + progress.sent },
    done: { progress.received >= expectedTotal && progress.finishedSenders == config.publishers }
)
let publishEndAt = BenchClock.now()
var endAt = progress.lastReceiveAt
if config.subscribers == 0 || endAt == 0 { endAt = publishEndAt }
let cpuAfter = processCPUSeconds()

// Gather what each subscriber saw (on its own event loop).
var latencies = LatencySamples()
var perSubscriber: [(received: Int, duplicates: Int, foreign: Int)] = []
for (channel, handler) in subscribers {
    let (ledger, samples) = try! channel.eventLoop.submit { (handler.ledger, handler.latencies) }.wait()
    perSubscriber.append((ledger.received, ledger.duplicates, ledger.foreign))
    latencies.append(contentsOf: samples)
}
var published = 0
for (channel, handler) in publishers { published += try! channel.eventLoop.submit { handler.sent }.wait() }

for channel in publishers.map({ $0.0 }) + subscribers.map({ $0.0 }) {
    var buffer = channel.allocator.buffer(capacity: 4)
    try? MQTTPacket.disconnect(MQTTDisconnectPacket()).encode(into: &buffer, version: config.version)
    _ = try? channel.writeAndFlush(buffer).wait()
    _ = try? channel.close().wait()
}
try? group.syncShutdownGracefully()

// MARK: - Report

let elapsed = Double(endAt &- startAt) / 1e9
let received = perSubscriber.reduce(0) { $0 + $1.received }
let duplicates = perSubscriber.reduce(0) { $0 + $1.duplicates }
let rate = Double(published) / elapsed
let deliveredRate = Double(received) / elapsed
let pcts = latencies.percentiles([50, 99, 99.9])
if !config.latencyLog.isEmpty {
    let lines = latencies.values.map { String($0 / 1_000) + "\n" }.joined()
    do {
        try lines.write(toFile: config.latencyLog, atomically: false, encoding: .utf8)
    } catch {
        fatalExit("--latency-log \(config.latencyLog): \(error)")
    }
}
let cpu = cpuAfter - cpuBefore
let cpuPerMessage = cpu / Double(max(1, published + received)) * 1e6
var problems = progress.errors
if !completed { problems.append("gave up after \(config.idleTimeout) s without progress") }
for (index, s) in perSubscriber.enumerated() where config.qos == .atLeastOnce {
    if s.received != expectedPerSubscriber || s.duplicates != 0 || s.foreign != 0 {
        problems.append(
            "subscriber \(index): \(s.received) of \(expectedPerSubscriber) distinct, \(s.duplicates) duplicates, \(s.foreign) foreign")
    }
}
if config.qos == .atLeastOnce || !problems.isEmpty { exitStatus = problems.isEmpty ? 0 : 1 }

let versionName = config.version == .v5 ? "5" : "3.1.1"
print("""
    MQTT \(versionName) QoS \(config.qos.rawValue), \(config.publishers) → \(config.subscribers), \(config.size) B, \
    \(config.messages) msgs/publisher\(config.rate > 0 ? ", fixed rate \(Int(config.rate)) msgs/s" : ""), \(config.host):\(config.port)
      published \(published), received \(received) of \(expectedTotal) (duplicates \(duplicates)) in \(format(elapsed, 3)) s
      throughput \(format(rate, 0)) msgs/s published→all received (\(format(deliveredRate, 0)) deliveries/s)
      latency p50 \(format(pcts[0])) µs, p99 \(format(pcts[1])) µs, p99.9 \(format(pcts[2])) µs
      tool CPU \(format(cpu, 2)) s = \(format(cpuPerMessage, 2)) µs per message handled (\(format(cpu / elapsed * 100, 0))% of one core)
    """)
for problem in problems.prefix(20) { print("  PROBLEM: \(problem)") }
print(
    "RESULT tool=mqtt label=\(config.label.isEmpty ? "-" : config.label) msgs_per_s=\(format(rate, 0)) "
        + "deliveries_per_s=\(format(deliveredRate, 0)) p50_us=\(format(pcts[0])) p99_us=\(format(pcts[1])) "
        + "cpu_us_per_msg=\(format(cpuPerMessage, 2)) received=\(received) expected=\(expectedTotal) "
        + "duplicates=\(duplicates) ok=\(problems.isEmpty ? 1 : 0)")
exit(exitStatus)
