extension String {
    /// Java's string equality: the same Unicode scalars in the same order.
    ///
    /// Swift's `==` also equates canonically equivalent strings (precomposed `é` and `e` + combining acute);
    /// selectors must not, or `=` and `LIKE` would disagree about the same two strings.
    func isScalarForScalarEqual(to other: String) -> Bool {
        self.utf8.count == other.utf8.count && self.utf8.elementsEqual(other.utf8)
    }
}
