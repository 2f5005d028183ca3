// placeholder: the MQTT codec lives here.
