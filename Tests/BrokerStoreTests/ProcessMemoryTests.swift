import Testing

@testable import BrokerStore

@Suite struct ProcessMemoryTests {
    func parse(_ text: String, pageSize: Int = 4096) -> ProcessMemory? {
        Array(text.utf8).withUnsafeBytes { ProcessMemory(statm: $0, pageSize: pageSize) }
    }

    @Test func statmFieldsAreResidentThenShared() {
        // proc(5): size resident shared text lib data dt, in pages.
        let memory = parse("5000 1200 800 300 0 900 0\n")
        #expect(memory == ProcessMemory(resident: 1200 * 4096, residentShared: 800 * 4096))
        #expect(memory?.residentAnonymous == 400 * 4096)
    }

    @Test func textThatIsNotStatmIsNil() {
        #expect(parse("") == nil)
        #expect(parse("5000 1200") == nil)
        #expect(parse("5000 12x0 800 0") == nil)
        #expect(parse("5000 99999999999999999999 800 0") == nil)
    }

    @Test func theProcessCanReadItsOwn() throws {
        #if os(Linux)
        let memory = try #require(ProcessMemory.current())
        #expect(memory.resident > 0 && memory.residentShared > 0 && memory.residentShared <= memory.resident)
        #endif
    }
}
