// BrokerTestSupport
