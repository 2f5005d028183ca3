import NIOCore
import Testing

@testable import AMQPCodec

/// Golden fixtures for the performatives of part 2.7, written field by field. Trailing fields that are
/// null or at their default are omitted by the encoder (part 1, section 1.4: "trailing nulls").
@Suite("Performatives (part 2.7)")
struct PerformativeTests {
    @Test("2.7.1 open")
    func open() throws {
        try expectPerformativeFixture(
            """
            00 53 10 c0 15 05
              a1 02 63 31          # container-id "c1"
              a1 01 68             # hostname "h"
              70 00 01 00 00       # max-frame-size 65536
              60 00 ff             # channel-max 255
              70 00 00 75 30       # idle-time-out 30000
            """.withoutComments,
            .open(AMQPOpen(containerID: "c1", hostname: "h", maxFrameSize: 65536, channelMax: 255, idleTimeOut: 30000))
        )
        // Only the mandatory container-id; every default is omitted.
        try expectPerformativeFixture("00 53 10 c0 04 01 a1 01 78", .open(AMQPOpen(containerID: "x")))
        // Capabilities and properties, after nulls for the fields in between.
        try expectPerformativeFixture(
            """
            00 53 10 c0 27 0a
              a1 01 78 40 40 40 40 40 40
              e0 0b 01 a3 08 41 4e 4f 4e 2d 52 45 4c
              40
              c1 0d 02 a3 07 70 72 6f 64 75 63 74 a1 01 78
            """.withoutComments,
            .open(
                AMQPOpen(
                    containerID: "x",
                    offeredCapabilities: ["ANON-REL"],
                    properties: [.symbol("product"): .string("x")]
                )
            )
        )
    }

    @Test("2.7.2 begin")
    func begin() throws {
        try expectPerformativeFixture(
            """
            00 53 11 c0 10 04
              60 00 01             # remote-channel 1
              52 01                # next-outgoing-id 1
              70 00 00 08 00       # incoming-window 2048
              70 00 00 08 00       # outgoing-window 2048
            """.withoutComments,
            .begin(AMQPBegin(remoteChannel: 1, nextOutgoingID: 1, incomingWindow: 2048, outgoingWindow: 2048))
        )
        try expectPerformativeFixture(
            "00 53 11 c0 09 05 40 43 52 64 52 64 52 07",
            .begin(AMQPBegin(nextOutgoingID: 0, incomingWindow: 100, outgoingWindow: 100, handleMax: 7))
        )
    }

    @Test("2.7.3 attach: receiver with source capabilities and a target")
    func attachReceiver() throws {
        let source = "00 53 28 c0 17 0b a1 01 71 40 40 40 40 40 40 40 40 40 e0 08 01 a3 05" + ascii("queue")
        let target = "00 53 29 c0 04 01 a1 01 71"
        try expectPerformativeFixture(
            """
            00 53 12 c0 2d 07
              a1 01 6c             # name "l"
              43                   # handle 0
              41                   # role receiver
              40 40                # settle modes: defaults
            """.withoutComments + source + target,
            .attach(
                AMQPAttach(
                    name: "l",
                    handle: 0,
                    role: .receiver,
                    source: AMQPSource(address: "q", capabilities: ["queue"]),
                    target: .target(AMQPTarget(address: "q"))
                )
            )
        )
    }

    @Test("2.7.3 attach: sender with settle mode and initial delivery count")
    func attachSender() throws {
        try expectPerformativeFixture(
            """
            00 53 12 c0 17 0a
              a1 01 73             # name "s"
              52 01                # handle 1
              42                   # role sender
              50 01                # snd-settle-mode settled
              40 40                # rcv-settle-mode, source
              00 53 29 c0 04 01 a1 01 74
              40 40                # unsettled, incomplete-unsettled
              43                   # initial-delivery-count 0
            """.withoutComments,
            .attach(
                AMQPAttach(
                    name: "s",
                    handle: 1,
                    role: .sender,
                    senderSettleMode: .settled,
                    target: .target(AMQPTarget(address: "t")),
                    initialDeliveryCount: 0
                )
            )
        )
    }

    @Test("3.5.3 source: dynamic, durable, expiry policy, distribution mode, filter, default outcome")
    func attachRichSource() throws {
        let source = """
            00 53 28 c0 28 09
              40                   # address: dynamic source has none
              52 02                # durable unsettled-state
              a3 05 6e 65 76 65 72 # expiry-policy never
              52 3c                # timeout 60
              41                   # dynamic
              40                   # dynamic-node-properties
              a3 04 63 6f 70 79    # distribution-mode copy
              c1 0d 02 a3 01 66 00 a3 03 78 2d 66 a1 01 31   # filter {f: described(x-f, "1")}
              00 53 26 45          # default-outcome released
            """.withoutComments
        try expectPerformativeFixture(
            "00 53 12 c0 35 06 a1 01 64 43 41 40 40" + source,
            .attach(
                AMQPAttach(
                    name: "d",
                    handle: 0,
                    role: .receiver,
                    source: AMQPSource(
                        durable: .unsettledState,
                        expiryPolicy: .never,
                        timeout: 60,
                        dynamic: true,
                        distributionMode: .copy,
                        filter: [.symbol("f"): .described(descriptor: .symbol("x-f"), value: .string("1"))],
                        defaultOutcome: .released
                    )
                )
            )
        )
    }

    @Test("4.5.1 attach to a transaction coordinator")
    func attachCoordinator() throws {
        try expectPerformativeFixture(
            """
            00 53 12 c0 2e 07
              a1 03 74 78 6e 52 02 42 40 40 40
              00 53 30 c0 1d 01 e0 1a 01 a3 17
            """.withoutComments + ascii("amqp:local-transactions"),
            .attach(
                AMQPAttach(
                    name: "txn",
                    handle: 2,
                    role: .sender,
                    target: .coordinator(AMQPCoordinator(capabilities: ["amqp:local-transactions"]))
                )
            )
        )
    }

    @Test("2.7.4 flow")
    func flow() throws {
        try expectPerformativeFixture(
            """
            00 53 13 c0 16 0a
              52 01                # next-incoming-id 1
              70 00 00 08 00       # incoming-window 2048
              52 01                # next-outgoing-id 1
              70 00 00 08 00       # outgoing-window 2048
              43                   # handle 0
              43                   # delivery-count 0
              52 64                # link-credit 100
              40 40                # available, drain (default false)
              41                   # echo
            """.withoutComments,
            .flow(
                AMQPFlow(
                    nextIncomingID: 1,
                    incomingWindow: 2048,
                    nextOutgoingID: 1,
                    outgoingWindow: 2048,
                    handle: 0,
                    deliveryCount: 0,
                    linkCredit: 100,
                    echo: true
                )
            )
        )
    }

    @Test("2.7.5 transfer")
    func transfer() throws {
        try expectPerformativeFixture(
            """
            00 53 14 c0 09 05
              43                   # handle 0
              52 05                # delivery-id 5
              a0 01 01             # delivery-tag 0x01
              43                   # message-format 0
              42                   # settled false
            """.withoutComments,
            .transfer(
                AMQPTransfer(
                    handle: 0,
                    deliveryID: 5,
                    deliveryTag: ByteBuffer(bytes: [1]),
                    messageFormat: 0,
                    settled: false
                )
            )
        )
        try expectPerformativeFixture(
            "00 53 14 c0 08 06 52 01 40 40 40 40 41",
            .transfer(AMQPTransfer(handle: 1, more: true))
        )
        try expectPerformativeFixture(
            "00 53 14 c0 0d 08 43 40 40 40 41 40 50 01 00 53 24 45",
            .transfer(AMQPTransfer(handle: 0, settled: true, receiverSettleMode: .second, state: .accepted))
        )
    }

    @Test("2.7.5 transfer: a delivery tag too long for list8, and a state that takes the general encoder")
    func transferWideAndGeneralPaths() throws {
        let tag = [UInt8](repeating: 0xab, count: 300)
        try expectPerformativeFixture(
            "00 53 14 d0 00 00 01 37 00 00 00 03 43 40 b0 00 00 01 2c" + String(repeating: " ab", count: 300),
            .transfer(AMQPTransfer(handle: 0, deliveryTag: ByteBuffer(bytes: tag)))
        )
        try expectPerformativeFixture(
            "00 53 14 c0 10 08 43 40 40 40 41 40 40 00 53 27 c0 03 02 41 41",
            .transfer(
                AMQPTransfer(
                    handle: 0,
                    settled: true,
                    state: .modified(AMQPModified(deliveryFailed: true, undeliverableHere: true))
                )
            )
        )
        try expectPerformativeFixture(
            "00 53 15 c0 09 05 42 43 40 41 00 53 25 45",
            .disposition(AMQPDisposition(role: .sender, first: 0, settled: true, state: .rejected(AMQPRejected())))
        )
    }

    @Test("2.7.6 disposition")
    func disposition() throws {
        try expectPerformativeFixture(
            """
            00 53 15 c0 0a 05
              41                   # role receiver
              43                   # first 0
              52 09                # last 9
              41                   # settled
              00 53 24 45          # state accepted
            """.withoutComments,
            .disposition(AMQPDisposition(role: .receiver, first: 0, last: 9, settled: true, state: .accepted))
        )
    }

    @Test("2.7.7 detach with an error (2.8.14)")
    func detach() throws {
        try expectPerformativeFixture(
            """
            00 53 16 c0 23 03
              43 41                # handle 0, closed
              00 53 1d c0 1b 02 a3 0e
            """.withoutComments + ascii("amqp:not-found") + "a1 08" + ascii("no queue"),
            .detach(
                AMQPDetach(handle: 0, closed: true, error: AMQPError(condition: .notFound, description: "no queue"))
            )
        )
    }

    @Test("2.7.8 end, 2.7.9 close")
    func endAndClose() throws {
        try expectPerformativeFixture("00 53 17 45", .end(AMQPEnd()))
        try expectPerformativeFixture(
            "00 53 18 c0 1f 01 00 53 1d c0 19 01 a3 16" + ascii("amqp:connection:forced"),
            .close(AMQPClose(error: AMQPError(condition: .connectionForced)))
        )
        try expectPerformativeFixture(
            "00 53 17 c0 1b 01 00 53 1d c0 15 03 a3 09" + ascii("amqp:x:ya") + "40 c1 06 02 a3 01 6b 52 01",
            .end(AMQPEnd(error: AMQPError(condition: "amqp:x:ya", info: [.symbol("k"): .uint(1)])))
        )
    }

    @Test("Descriptors may be symbolic or any ulong width; explicit nulls and extra fields are accepted")
    func alternativeEncodings() throws {
        let cases: [(String, AMQPPerformative)] = [
            ("00 a3 0f" + ascii("amqp:close:list") + "45", .close(AMQPClose())),
            ("00 80 00 00 00 00 00 00 00 18 45", .close(AMQPClose())),
            ("00 53 17 c0 02 01 40", .end(AMQPEnd())),
            ("00 53 17 c0 03 02 40 41", .end(AMQPEnd())),  // a field from a future version is skipped
            ("00 53 17 d0 00 00 00 05 00 00 00 01 40", .end(AMQPEnd())),
            // A uint field sent as ulong or ushort is accepted while the value fits.
            ("00 53 16 c0 0a 01 80 00 00 00 00 00 00 00 07", .detach(AMQPDetach(handle: 7))),
            ("00 53 16 c0 04 01 60 00 07", .detach(AMQPDetach(handle: 7))),
            // A single symbol where the spec allows "multiple".
            (
                "00 53 10 c0 0e 06 a1 01 78 40 40 40 40 a3 04 78 2d 61 62",
                .open(AMQPOpen(containerID: "x", outgoingLocales: ["x-ab"]))
            ),
        ]
        for (hex, expected) in cases {
            var buffer = ByteBuffer(hex: hex)
            #expect(try AMQPPerformative(decoding: &buffer) == expected, "\(hex)")
            #expect(buffer.readableBytes == 0, "\(hex)")
        }
    }

    @Test("Malformed performatives: descriptor, mandatory fields, field types and ranges")
    func malformed() {
        expectPerformativeError("00 53 99 45", .unexpectedDescriptor, context: "performative")
        expectPerformativeError("00 a3 03" + ascii("foo") + "45", .unexpectedDescriptor)
        expectPerformativeError("00 a1 01 78 45", .unexpectedDescriptor)
        expectPerformativeError("45", .unexpectedFormatCode, context: "performative")
        expectPerformativeError("00 53 17 a1 01 78", .unexpectedFormatCode, context: "end")
        expectPerformativeError("00 53 10 45", .missingMandatoryField, context: "open.container-id")
        expectPerformativeError("00 53 10 c0 02 01 40", .missingMandatoryField, context: "open.container-id")
        expectPerformativeError("00 53 11 c0 03 02 40 43", .missingMandatoryField, context: "begin.incoming-window")
        expectPerformativeError("00 53 12 c0 04 01 a1 01 6c", .missingMandatoryField, context: "attach.handle")
        expectPerformativeError("00 53 12 c0 05 02 a1 01 6c 43", .missingMandatoryField, context: "attach.role")
        expectPerformativeError("00 53 13 c0 02 01 40", .missingMandatoryField, context: "flow.incoming-window")
        expectPerformativeError("00 53 14 45", .missingMandatoryField, context: "transfer.handle")
        expectPerformativeError("00 53 15 c0 02 01 41", .missingMandatoryField, context: "disposition.first")
        expectPerformativeError("00 53 16 45", .missingMandatoryField, context: "detach.handle")
        expectPerformativeError(
            "00 53 18 c0 07 01 00 53 1d c0 01 00",
            .missingMandatoryField,
            context: "error.condition"
        )
        expectPerformativeError("00 53 12 c0 03 01 52 01", .unexpectedFormatCode, context: "attach.name")
        expectPerformativeError("00 53 16 c0 03 01 a1 00", .unexpectedFormatCode, context: "detach.handle")
        expectPerformativeError("00 53 16 c0 03 02 43 52", .unexpectedFormatCode, context: "detach.closed")
        expectPerformativeError(
            "00 53 16 c0 0a 01 80 00 00 00 01 00 00 00 00",
            .valueOutOfRange,
            context: "detach.handle"
        )
        expectPerformativeError(
            "00 53 12 c0 08 04 a1 01 6c 43 42 50 05",
            .valueOutOfRange,
            context: "attach.snd-settle-mode"
        )
        expectPerformativeError("00 53 16 c0 07 03 43 40 00 53 24 45", .unexpectedDescriptor, context: "detach.error")
        expectPerformativeError(
            "00 53 15 c0 09 05 41 43 40 40 00 53 99 45",
            .unexpectedDescriptor,
            context: "disposition.state"
        )
        expectPerformativeError(
            "00 53 12 c0 0d 07 a1 01 6c 43 41 40 40 40 00 53 28 45",
            .unexpectedDescriptor,
            context: "attach.target"
        )
        expectPerformativeError("00 53 17 c0 02 01 00", .truncated)
    }

    @Test("Composite nesting is bounded (transactional-state inside transactional-state)")
    func compositeNesting() {
        var hex = "00 53 24 45"
        for _ in 0..<40 {
            let body = ByteBuffer(hex: "a0 00" + hex)
            hex = "00 53 34 d0" + String(format32: body.readableBytes + 4) + "00 00 00 02 " + body.hexString
        }
        let transfer = ByteBuffer(hex: hex)
        let body = ByteBuffer(hex: "43 40 40 40 40 40 40 ")
        var fields = body
        fields.writeImmutableBuffer(transfer)
        let frame = "00 53 14 d0" + String(format32: fields.readableBytes + 4) + "00 00 00 08 " + fields.hexString
        expectPerformativeError(frame, .nestingTooDeep)
    }
}

extension String {
    /// Drops `# comment` parts of fixture lines.
    var withoutComments: String {
        self.split(separator: "\n").map { line in
            line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        }.joined(separator: " ")
    }

    init(format32 value: Int) {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(value))
        self = " " + buffer.hexString + " "
    }
}
