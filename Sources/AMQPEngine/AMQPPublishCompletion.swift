import AMQPCodec

/// A publish the broker finished (stored, refused, or dropped as a duplicate), for its disposition.
public struct AMQPPublishCompletion: Sendable {
    public var linkID: AMQPLinkID
    public var deliveryID: UInt32
    public var settled: Bool
    public var result: Result<Void, AMQPError>

    public init(linkID: AMQPLinkID, deliveryID: UInt32, settled: Bool, result: Result<Void, AMQPError>) {
        self.linkID = linkID
        self.deliveryID = deliveryID
        self.settled = settled
        self.result = result
    }
}
