/// A compiled `LIKE` pattern: `%` is any run of characters (also none), `_` is exactly one, everything else is
/// itself. A character after the escape character is always itself.
///
/// "Character" means Unicode scalar, as in the rest of this module. Matching needs no regular expression: the
/// greedy walk below backtracks only to the most recent `%`, so it takes at most O(subject × pattern) steps.
struct SelectorLikePattern: Sendable {
    private enum Element: Sendable, Equatable {
        case scalar(Unicode.Scalar)
        case anyScalar
        case anySequence
    }

    /// Why a pattern does not compile.
    enum CompileError: Error {
        case endsWithEscape
    }

    private let elements: [Element]

    init(_ pattern: String, escape: Unicode.Scalar?) throws(CompileError) {
        var elements: [Element] = []
        var isEscaped = false
        for scalar in pattern.unicodeScalars {
            if isEscaped {
                elements.append(.scalar(scalar))
                isEscaped = false
            } else if scalar == escape {
                isEscaped = true
            } else if scalar == "%" {
                // "%%" means the same as "%"; one element keeps the backtracking short.
                if elements.last != .anySequence {
                    elements.append(.anySequence)
                }
            } else if scalar == "_" {
                elements.append(.anyScalar)
            } else {
                elements.append(.scalar(scalar))
            }
        }
        guard !isEscaped else {
            throw .endsWithEscape
        }
        self.elements = elements
    }

    func matches(_ subject: String) -> Bool {
        let scalars = subject.unicodeScalars
        var subjectIndex = scalars.startIndex
        var elementIndex = 0
        // The most recent '%' and the first subject scalar not yet given to it. When the elements after it fail,
        // the '%' takes one more scalar and they are tried again from there.
        var lastAnySequence: Int? = nil
        var resumeIndex = scalars.startIndex

        while subjectIndex < scalars.endIndex {
            if elementIndex < self.elements.count {
                switch self.elements[elementIndex] {
                case .anySequence:
                    lastAnySequence = elementIndex
                    resumeIndex = subjectIndex
                    elementIndex += 1
                    continue
                case .anyScalar:
                    elementIndex += 1
                    subjectIndex = scalars.index(after: subjectIndex)
                    continue
                case .scalar(let expected):
                    if scalars[subjectIndex] == expected {
                        elementIndex += 1
                        subjectIndex = scalars.index(after: subjectIndex)
                        continue
                    }
                }
            }
            guard let anySequence = lastAnySequence else {
                return false
            }
            elementIndex = anySequence + 1
            resumeIndex = scalars.index(after: resumeIndex)
            subjectIndex = resumeIndex
        }
        while elementIndex < self.elements.count, self.elements[elementIndex] == .anySequence {
            elementIndex += 1
        }
        return elementIndex == self.elements.count
    }
}
