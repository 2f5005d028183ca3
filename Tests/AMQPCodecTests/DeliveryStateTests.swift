import NIOCore
import Testing

@testable import AMQPCodec

/// Golden fixtures for delivery states and outcomes (part 3.4) and the transaction types of part 4.5.
@Suite("Delivery states (part 3.4) and transactions (part 4.5)")
struct DeliveryStateTests {
    private func expectStateFixture(
        _ hex: String,
        _ state: AMQPDeliveryState,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var buffer = ByteBuffer(hex: hex)
        #expect(try AMQPDeliveryState(decoding: &buffer) == state, sourceLocation: sourceLocation)
        #expect(buffer.readableBytes == 0, sourceLocation: sourceLocation)
        var encoded = ByteBuffer()
        encoded.writeAMQPDeliveryState(state)
        #expect(encoded.hexString == ByteBuffer(hex: hex).hexString, sourceLocation: sourceLocation)
    }

    @Test("3.4.1 received")
    func received() throws {
        try expectStateFixture(
            "00 53 23 c0 05 02 52 01 53 02",
            .received(AMQPReceived(sectionNumber: 1, sectionOffset: 2))
        )
    }

    @Test("3.4.2 accepted, 3.4.4 released")
    func acceptedReleased() throws {
        try expectStateFixture("00 53 24 45", .accepted)
        try expectStateFixture("00 53 26 45", .released)
        var symbolic = ByteBuffer(hex: "00 a3 12" + ascii("amqp:accepted:list") + "45")
        #expect(try AMQPDeliveryState(decoding: &symbolic) == .accepted)
    }

    @Test("3.4.3 rejected with an error")
    func rejected() throws {
        try expectStateFixture(
            "00 53 25 c0 1a 01 00 53 1d c0 14 01 a3 11" + ascii("amqp:decode-error"),
            .rejected(AMQPRejected(error: AMQPError(condition: .decodeError)))
        )
        try expectStateFixture("00 53 25 45", .rejected(AMQPRejected()))
    }

    @Test("3.4.5 modified")
    func modified() throws {
        try expectStateFixture(
            "00 53 27 c0 11 03 41 41 c1 0c 02 a3 07" + ascii("x-opt-a") + "54 01",
            .modified(
                AMQPModified(
                    deliveryFailed: true,
                    undeliverableHere: true,
                    messageAnnotations: [.symbol("x-opt-a"): .int(1)]
                )
            )
        )
        try expectStateFixture("00 53 27 c0 02 01 41", .modified(AMQPModified(deliveryFailed: true)))
    }

    @Test("4.5.3 declared, 4.5.5 transactional-state")
    func transactionStates() throws {
        let txnID = ByteBuffer(bytes: [1, 2, 3, 4])
        try expectStateFixture("00 53 33 c0 07 01 a0 04 01 02 03 04", .declared(AMQPDeclared(transactionID: txnID)))
        try expectStateFixture(
            "00 53 34 c0 0b 02 a0 04 01 02 03 04 00 53 24 45",
            .transactional(AMQPTransactionalState(transactionID: txnID, outcome: .accepted))
        )
        #expect(AMQPDeliveryState.accepted.isOutcome)
        #expect(!AMQPDeliveryState.transactional(AMQPTransactionalState(transactionID: txnID)).isOutcome)
    }

    @Test("4.5.2 declare, 4.5.4 discharge (amqp-value bodies on a coordinator link)")
    func declareDischarge() throws {
        var declare = ByteBuffer(hex: "00 53 31 45")
        #expect(try AMQPDeclare(decoding: &declare) == AMQPDeclare())
        var encoded = ByteBuffer()
        AMQPDeclare().encode(into: &encoded)
        #expect(encoded.hexString == "00 53 31 45")

        let hex = "00 53 32 c0 08 02 a0 04 01 02 03 04 41"
        var discharge = ByteBuffer(hex: hex)
        let expected = AMQPDischarge(transactionID: ByteBuffer(bytes: [1, 2, 3, 4]), fail: true)
        #expect(try AMQPDischarge(decoding: &discharge) == expected)
        encoded.clear()
        expected.encode(into: &encoded)
        #expect(encoded.hexString == ByteBuffer(hex: hex).hexString)
    }

    @Test("Malformed delivery states")
    func malformed() {
        for (hex, code) in [
            ("00 53 23 c0 03 01 52 01", AMQPDecodingError.Code.missingMandatoryField),  // received.section-offset
            ("00 53 33 45", .missingMandatoryField),  // declared.txn-id
            ("00 53 34 45", .missingMandatoryField),  // transactional-state.txn-id
            ("00 53 70 45", .unexpectedDescriptor),  // a header is not a delivery state
            ("00 53 25 c0 05 01 00 53 24 45", .unexpectedDescriptor),  // rejected.error must be an error
            ("00 53 27 c0 02 01 52", .unexpectedFormatCode),  // modified.delivery-failed must be boolean
            ("53 24", .unexpectedFormatCode),  // not described
        ] {
            var buffer = ByteBuffer(hex: hex)
            #expect(throws: AMQPDecodingError.self, "\(hex)") { try AMQPDeliveryState(decoding: &buffer) }
            buffer = ByteBuffer(hex: hex)
            do {
                _ = try AMQPDeliveryState(decoding: &buffer)
            } catch let error as AMQPDecodingError {
                #expect(error.code == code, "\(hex): \(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
