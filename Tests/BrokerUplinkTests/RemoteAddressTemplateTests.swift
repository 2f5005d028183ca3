import Testing

@testable import BrokerUplink

@Suite("Remote address template")
struct RemoteAddressTemplateTests {
    @Test(arguments: [
        ("{address}", "telemetry/t1"),
        ("edge/{node-id}/{address}", "edge/edge-17/telemetry/t1"),
        ("{address}/from/{node-id}", "telemetry/t1/from/edge-17"),
        ("{address}+{address}", "telemetry/t1+telemetry/t1"),
        ("fixed", "fixed"),
        ("", ""),
        ("{node-id}", "edge-17"),
        ("a{b}{address", "a{b}{address"),
        ("{{address}}", "{telemetry/t1}"),
    ])
    func rendersEveryPlaceholder(template: String, expected: String) {
        let parsed = RemoteAddressTemplate(template, nodeID: "edge-17")
        #expect(parsed.render(localAddress: "telemetry/t1") == expected)
    }

    @Test func theDefaultTemplateIsTheLocalAddressItself() {
        #expect(RemoteAddressTemplate("{address}", nodeID: "n").parts == [.localAddress])
        #expect(RemoteAddressTemplate("x/{node-id}/{address}", nodeID: "n").parts == [.text("x/n/"), .localAddress])
    }

    @Test func placeholdersInsideTheLocalAddressAreNotExpanded() {
        let parsed = RemoteAddressTemplate("edge/{address}", nodeID: "n")
        #expect(parsed.render(localAddress: "odd/{node-id}") == "edge/odd/{node-id}")
    }
}
