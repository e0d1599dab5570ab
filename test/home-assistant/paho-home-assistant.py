"""Connects to a broker the way Home Assistant's MQTT integration does, with the client it uses
(paho-mqtt), and reports what happens as JSON lines on stdout.

As home-assistant/core homeassistant/components/mqtt/client.py does (MqttClientSetup,
MQTT.init_client, MQTT._async_mqtt_on_connect, MQTT._async_resubscribe_and_publish_birth_message):
a random 22-character client id, protocol MQTTv5, a will on homeassistant/status ("offline"),
the discovery subscription, then the birth message "online" on homeassistant/status. With
MQTT 5 it starts clean with a session expiry interval, so the broker keeps its subscriptions
over a short reconnect.

Usage: paho-home-assistant.py HOST PORT. Runs until killed (the will is then published).
"""
import json
import sys
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

STATUS = "homeassistant/status"


def report(**fields):
    print(json.dumps(fields), flush=True)


def on_connect(client, _userdata, flags, reason, properties):
    report(event="connack", reason=reason.value, session_present=bool(flags.get("session present")),
           properties=properties.json() if properties else {})
    client.subscribe([("homeassistant/#", 0)])


def on_subscribe(client, _userdata, _mid, reasons, _properties):
    report(event="suback", reasons=[r.value for r in reasons])
    client.publish(STATUS, "online", qos=0, retain=False)
    report(event="birth")


def on_message(_client, _userdata, msg):
    try:
        payload = msg.payload.decode("utf-8")
    except UnicodeDecodeError:
        payload = None
    report(event="message", topic=msg.topic, payload=payload, retain=bool(msg.retain))


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    client_id = uuid.uuid4().hex[:22]
    client = mqtt.Client(client_id, protocol=mqtt.MQTTv5, reconnect_on_failure=False)
    client.will_set(STATUS, "offline", qos=0, retain=False)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 300
    client.connect(host, port, keepalive=60, clean_start=True, properties=props)
    client.loop_forever()


main()
