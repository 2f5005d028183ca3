/// Tracks the fields of one composite value (a described list such as a performative) while they are
/// decoded in order. Fields past the end of a shorter list are absent, so they take their defaults.
struct AMQPFieldReader {
    /// The composite's name from the spec, for error contexts such as `"attach.handle"`.
    let compositeName: String
    private(set) var remainingFields: Int
    let endIndex: Int

    init(compositeName: String, count: Int, endIndex: Int) {
        self.compositeName = compositeName
        self.remainingFields = count
        self.endIndex = endIndex
    }

    /// Consumes one field slot; false when the list has ended and the field is absent.
    mutating func takeField() -> Bool {
        guard self.remainingFields > 0 else { return false }
        self.remainingFields -= 1
        return true
    }

    func context(_ field: String) -> String {
        self.compositeName + "." + field
    }
}
