/// Splits selector text into tokens on demand, so that the first error reported is the leftmost one.
///
/// Works on Unicode scalars: positions count scalars, and identifiers follow Java's identifier rules on them.
struct SelectorLexer {
    private let scalars: [Unicode.Scalar]
    /// 0-based index of the next scalar to read.
    private var index = 0

    init(_ text: String) {
        self.scalars = Array(text.unicodeScalars)
    }

    /// The position one past the last scalar, where "ended too early" errors point.
    var endPosition: Int { self.scalars.count + 1 }

    mutating func nextToken() throws(SelectorSyntaxError) -> SelectorToken {
        self.skipWhitespace()
        guard let scalar = self.peek() else {
            return SelectorToken(kind: .endOfSelector, position: self.endPosition)
        }
        let start = self.index
        if Self.isDecimalDigit(scalar) || (scalar == "." && self.peek(offset: 1).map(Self.isDecimalDigit) == true) {
            return try self.numberToken()
        }
        if scalar == "'" {
            return try self.stringToken()
        }
        if Self.isIdentifierStart(scalar) {
            return self.wordToken()
        }
        self.index += 1
        let symbol: SelectorSymbol
        switch scalar {
        case "(": symbol = .openParenthesis
        case ")": symbol = .closeParenthesis
        case ",": symbol = .comma
        case "=": symbol = .equal
        case "+": symbol = .plus
        case "-": symbol = .minus
        case "*": symbol = .times
        case "/": symbol = .divide
        case "<":
            if self.consume("=") {
                symbol = .lessOrEqual
            } else if self.consume(">") {
                symbol = .notEqual
            } else {
                symbol = .less
            }
        case ">":
            symbol = self.consume("=") ? .greaterOrEqual : .greater
        case "!" where self.consume("="):
            symbol = .bangEqual
        default:
            throw SelectorSyntaxError("unexpected character '\(Self.printable(scalar))'", at: start + 1)
        }
        return SelectorToken(kind: .symbol(symbol), position: start + 1)
    }

    // MARK: - Words, strings

    private mutating func wordToken() -> SelectorToken {
        let start = self.index
        self.index += 1
        while let scalar = self.peek(), Self.isIdentifierPart(scalar) {
            self.index += 1
        }
        let word = self.text(from: start, to: self.index)
        if let keyword = SelectorKeyword(word: word) {
            return SelectorToken(kind: .keyword(keyword), position: start + 1)
        }
        return SelectorToken(kind: .identifier(word), position: start + 1)
    }

    /// A literal in single quotes; a quote inside is written twice (`'it''s'`). There are no other escapes.
    private mutating func stringToken() throws(SelectorSyntaxError) -> SelectorToken {
        let start = self.index
        self.index += 1
        var value = String.UnicodeScalarView()
        while true {
            guard let scalar = self.peek() else {
                // Pointing at the opening quote tells the reader which literal is open; the end would not.
                throw SelectorSyntaxError("unterminated string literal", at: start + 1)
            }
            self.index += 1
            if scalar == "'" {
                guard self.consume("'") else {
                    break
                }
            }
            value.append(scalar)
        }
        return SelectorToken(kind: .string(String(value)), position: start + 1)
    }

    // MARK: - Numbers

    /// Exact literals: decimal, octal (`017`), hexadecimal (`0x1F`), each with an optional `L`. Approximate literals:
    /// Java floating-point syntax without hexadecimal floats (`7.`, `.5`, `7E3`, `5.5e-2`, optional `F` or `D`).
    private mutating func numberToken() throws(SelectorSyntaxError) -> SelectorToken {
        let start = self.index
        let position = start + 1
        if self.peek() == "0", let marker = self.peek(offset: 1), marker == "x" || marker == "X" {
            self.index += 2
            let digitsStart = self.index
            while let scalar = self.peek(), scalar.properties.isASCIIHexDigit {
                self.index += 1
            }
            guard self.index > digitsStart else {
                throw SelectorSyntaxError("hexadecimal literal without digits", at: position)
            }
            let digits = self.scalars[digitsStart..<self.index]
            _ = self.consumeLongSuffix()
            return try self.integerToken(digits, radix: 16, position: position)
        }

        let integerStart = self.index
        self.skipDecimalDigits()
        let integerEnd = self.index
        var isApproximate = false
        var fractionRange = self.index..<self.index
        if self.consume(".") {
            isApproximate = true
            let fractionStart = self.index
            self.skipDecimalDigits()
            fractionRange = fractionStart..<self.index
        }
        var exponent = ""
        if let marker = self.peek(), marker == "e" || marker == "E" {
            isApproximate = true
            self.index += 1
            if let sign = self.peek(), sign == "+" || sign == "-" {
                exponent.unicodeScalars.append(sign)
                self.index += 1
            }
            let exponentStart = self.index
            self.skipDecimalDigits()
            guard self.index > exponentStart else {
                throw SelectorSyntaxError("exponent without digits in numeric literal", at: position)
            }
            exponent += self.text(from: exponentStart, to: self.index)
        }
        if let suffix = self.peek(), "fFdD".unicodeScalars.contains(suffix) {
            isApproximate = true
            self.index += 1
        }

        if isApproximate {
            return try self.doubleToken(
                integer: self.text(from: integerStart, to: integerEnd),
                fraction: self.text(from: fractionRange.lowerBound, to: fractionRange.upperBound),
                exponent: exponent,
                position: position
            )
        }
        _ = self.consumeLongSuffix()
        let digits = self.scalars[integerStart..<integerEnd]
        // Java: a leading zero makes an exact literal octal; "0" alone is zero either way.
        if digits.count > 1, digits.first == "0" {
            return try self.integerToken(digits.dropFirst(), radix: 8, position: position)
        }
        return try self.integerToken(digits, radix: 10, position: position)
    }

    private func integerToken(
        _ digits: ArraySlice<Unicode.Scalar>,
        radix: UInt64,
        position: Int
    ) throws(SelectorSyntaxError) -> SelectorToken {
        // 2^63 is allowed so that -9223372036854775808 can be written; the parser rejects it without a minus.
        let largestMagnitude = UInt64(Int64.max) + 1
        var magnitude: UInt64 = 0
        for scalar in digits {
            guard let digit = Self.digitValue(scalar), digit < radix else {
                throw SelectorSyntaxError("invalid digit '\(Self.printable(scalar))' in numeric literal", at: position)
            }
            let (shifted, shiftOverflow) = magnitude.multipliedReportingOverflow(by: radix)
            let (sum, addOverflow) = shifted.addingReportingOverflow(digit)
            guard !shiftOverflow, !addOverflow, sum <= largestMagnitude else {
                throw SelectorSyntaxError("numeric literal out of the range of a 64-bit integer", at: position)
            }
            magnitude = sum
        }
        return SelectorToken(kind: .integer(magnitude: magnitude), position: position)
    }

    private func doubleToken(
        integer: String,
        fraction: String,
        exponent: String,
        position: Int
    ) throws(SelectorSyntaxError) -> SelectorToken {
        // Rebuilt with a digit on each side of the point so that the standard parser sees one plain form.
        let wholePart = integer.isEmpty ? "0" : integer
        let fractionPart = fraction.isEmpty ? "0" : fraction
        let normalized = "\(wholePart).\(fractionPart)e\(exponent.isEmpty ? "0" : exponent)"
        guard let value = Double(normalized), value.isFinite else {
            throw SelectorSyntaxError("numeric literal out of the range of a double", at: position)
        }
        return SelectorToken(kind: .double(value), position: position)
    }

    private mutating func consumeLongSuffix() -> Bool {
        self.consume("l") || self.consume("L")
    }

    private mutating func skipDecimalDigits() {
        while let scalar = self.peek(), Self.isDecimalDigit(scalar) {
            self.index += 1
        }
    }

    // MARK: - Scalars

    private func peek(offset: Int = 0) -> Unicode.Scalar? {
        let position = self.index + offset
        return position < self.scalars.count ? self.scalars[position] : nil
    }

    private mutating func consume(_ expected: Unicode.Scalar) -> Bool {
        guard self.peek() == expected else {
            return false
        }
        self.index += 1
        return true
    }

    /// JMS whitespace: space, horizontal tab, form feed and line terminators.
    private mutating func skipWhitespace() {
        while let scalar = self.peek(), scalar == " " || scalar == "\t" || scalar == "\u{0C}" || scalar == "\n"
            || scalar == "\r"
        {
            self.index += 1
        }
    }

    private func text(from start: Int, to end: Int) -> String {
        String(String.UnicodeScalarView(self.scalars[start..<end]))
    }

    private static func isDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar >= "0" && scalar <= "9"
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> UInt64? {
        switch scalar {
        case "0"..."9": return UInt64(scalar.value - 0x30)
        case "a"..."f": return UInt64(scalar.value - 0x61 + 10)
        case "A"..."F": return UInt64(scalar.value - 0x41 + 10)
        default: return nil
        }
    }

    /// Java's `Character.isJavaIdentifierStart`: letters, letter numbers, currency symbols and connectors (`_`).
    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || scalar == "_" || scalar == "$"
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .letterNumber,
            .currencySymbol, .connectorPunctuation:
            return true
        default:
            return false
        }
    }

    /// Java's `Character.isJavaIdentifierPart`, less the ignorable control characters: starts, digits and marks.
    static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return Self.isIdentifierStart(scalar) || Self.isDecimalDigit(scalar)
        }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .nonspacingMark, .spacingMark:
            return true
        default:
            return Self.isIdentifierStart(scalar)
        }
    }

    /// The scalar itself for error messages, or its code point when it would not print.
    private static func printable(_ scalar: Unicode.Scalar) -> String {
        if scalar.isASCII, scalar.value >= 0x20, scalar.value < 0x7F {
            return String(scalar)
        }
        return "U+" + String(scalar.value, radix: 16, uppercase: true)
    }
}
