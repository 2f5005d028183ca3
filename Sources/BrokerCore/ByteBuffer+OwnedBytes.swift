import NIOCore

extension ByteBuffer {
    /// A buffer more than this many times the size of its readable bytes is copied before it is kept.
    static let keptSlackFactor = 2

    /// Whether the readable bytes are a small part of a larger buffer, such as a transfer's slice
    /// of a socket read that holds other frames too.
    var isSliceOfLargerBuffer: Bool {
        self.storageCapacity > Swift.max(self.readableBytes, 64) * Self.keptSlackFactor
    }

    /// These bytes in a buffer of their own when they are a slice of a larger one, for keeping in
    /// memory. Front ends hand message bodies over as slices of what they read (the store copies
    /// them into LMDB anyway); a kept slice would keep its whole read buffer alive.
    func owningItsBytes() -> ByteBuffer {
        self.isSliceOfLargerBuffer ? ByteBuffer(buffer: self) : self
    }
}
