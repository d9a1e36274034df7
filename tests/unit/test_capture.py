"""The lab capture's reader, on pcap files built here frame by frame."""

import re
import struct

import pytest
from capturekit import CaptureError, segments_by_port, tcp_payloads

ACCOUNT = re.compile(rb"player\d{4}")


def frame(source: int, destination: int, payload: bytes, protocol: int = 6) -> bytes:
    tcp = struct.pack("!HHIIBBHHH", source, destination, 0, 0, 5 << 4, 0x18, 65535, 0, 0)
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0, 64, protocol, 0,
        bytes([10, 87, 0, 1]), bytes([10, 87, 0, 21]),
    )  # fmt: skip
    ethernet = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
    # Ethernet pads short frames to 60 bytes: the reader must stop at the IP total length.
    return (ethernet + ip + tcp + payload).ljust(60, b"\x00")


def pcap(*frames: bytes, linktype: int = 1) -> bytes:
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype)
    return header + b"".join(
        struct.pack("<IIII", 0, 0, len(data), len(data)) + data for data in frames
    )


def test_hits_are_counted_by_the_service_port():
    capture = pcap(
        frame(41000, 9092, b'{"account": "player0293"}'),
        frame(9092, 41000, b"player0565 and player0219"),
        frame(52000, 9093, b"\x16\x03\x03 tls record"),
        frame(52000, 2514, b"log line of player0001"),
    )
    assert segments_by_port(capture, ACCOUNT) == {9092: 2, 2514: 1}
    assert segments_by_port(capture) == {9092: 2, 9093: 1, 2514: 1}


def test_segments_without_data_and_other_protocols_are_skipped():
    capture = pcap(frame(41000, 9092, b""), frame(41000, 53, b"player0001", protocol=17))
    assert tcp_payloads(capture) == []


def test_padding_is_not_payload():
    assert tcp_payloads(pcap(frame(41000, 9092, b"ab"))) == [(41000, 9092, b"ab")]


def test_a_file_that_is_no_ethernet_pcap_is_refused():
    with pytest.raises(CaptureError, match="not a classic pcap"):
        tcp_payloads(b"\x0a\x0d\x0d\x0a" + b"\x00" * 40)  # pcapng
    with pytest.raises(CaptureError, match="link type 113"):
        tcp_payloads(pcap(linktype=113))
