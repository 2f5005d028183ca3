// BrokerServer
