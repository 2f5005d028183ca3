import BrokerCore
import BrokerStore
import Foundation
import Hummingbird
import NIOCore

extension ManagementAPI {
    func addAddressRoutes(_ api: RouterGroup<BasicRequestContext>) {
        api.get("addresses") { _, _ in
            try Self.json(AddressList(addresses: self.broker.addresses.map(AddressView.init)))
        }

        // Sends a message as a producer would (origin "core": the body is the payload).
        api.post("addresses/{address}/messages") { request, context in
            let address = try Self.parameter("address", context)
            let body = try await Self.decode(SendRequest.self, from: request)
            let payload: ByteBuffer
            if body.base64 == true {
                guard let data = Data(base64Encoded: body.body) else {
                    throw ManagementError.badRequest("'body' is not valid base64 (or send text with base64 false)")
                }
                payload = ByteBuffer(bytes: data)
            } else {
                payload = ByteBuffer(string: body.body)
            }
            if let priority = body.priority, !(0...9).contains(priority) {
                throw ManagementError.badRequest("'priority' must be 0-9, got \(priority)")
            }
            if let ttl = body.ttl, ttl <= 0 { throw ManagementError.badRequest("'ttl' must be positive milliseconds") }
            let count = body.count ?? 1
            guard (1...100_000).contains(count) else { throw ManagementError.badRequest("'count' must be 1-100000") }
            let routingTypes: AddressRecord.RoutingTypes
            switch body.routingType ?? "anycast" {
            case "anycast": routingTypes = .anycast
            case "multicast": routingTypes = .multicast
            case let other: throw ManagementError.badRequest("'routingType' must be anycast or multicast, got '\(other)'")
            }
            let expiration = body.ttl.map { self.nowMilliseconds + $0 }
            var sent = 0
            while sent < count {
                let batch = min(count - sent, 1000)
                let results = await self.publishAll(
                    (0..<batch).map { _ in
                        IncomingMessage(
                            address: address,
                            priority: body.priority.map(UInt8.init),
                            isDurable: body.durable ?? true,
                            expiration: expiration,
                            origin: .core,
                            body: payload
                        )
                    },
                    autoCreateAs: routingTypes
                )
                for result in results {
                    if case .failure(let error) = result {
                        if sent == 0 { throw Self.brokerError(error) }
                        return try Self.json(CountResult(count: sent, operation: "send"), status: .created)
                    }
                    sent += 1
                }
            }
            self.metrics.messagesReceived(protocol: "management", count: sent)
            return try Self.json(CountResult(count: sent, operation: "send"), status: .created)
        }
    }
}
