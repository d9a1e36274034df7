"""Packets captured on the lab bridge (tcpdump's classic pcap files), searched for clear text.

Pure: the caller runs tcpdump and hands over the file's bytes. Each TCP segment's payload is
searched alone, without reassembly: a pattern cut in two by a segment boundary is missed,
which a test makes up for by sending the pattern many times.
"""

import re
import struct
from collections import Counter

# Magic numbers of the classic pcap format: microsecond and nanosecond timestamps.
_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
           b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}  # fmt: skip
_LINKTYPE_ETHERNET = 1
_ETHERTYPE_IPV4 = 0x0800
_PROTOCOL_TCP = 6


class CaptureError(ValueError):
    """The bytes are not a pcap capture of Ethernet frames."""


def tcp_payloads(pcap: bytes) -> list[tuple[int, int, bytes]]:
    """(source port, destination port, payload) of every IPv4 TCP segment that carries data."""
    order = _MAGICS.get(pcap[:4])
    if order is None or len(pcap) < 24:
        raise CaptureError("not a classic pcap file (tcpdump -w writes one)")
    (linktype,) = struct.unpack(order + "I", pcap[20:24])
    if linktype != _LINKTYPE_ETHERNET:
        raise CaptureError(f"link type {linktype}: only Ethernet captures are read")
    segments, offset = [], 24
    while offset + 16 <= len(pcap):
        (captured,) = struct.unpack(order + "I", pcap[offset + 8 : offset + 12])
        frame = pcap[offset + 16 : offset + 16 + captured]
        offset += 16 + captured
        segment = _tcp_segment(frame)
        if segment is not None and segment[2]:
            segments.append(segment)
    return segments


def _tcp_segment(frame: bytes) -> tuple[int, int, bytes] | None:
    if len(frame) < 34 or struct.unpack("!H", frame[12:14])[0] != _ETHERTYPE_IPV4:
        return None
    ip = frame[14:]
    header_length, total_length = (ip[0] & 0x0F) * 4, struct.unpack("!H", ip[2:4])[0]
    if ip[9] != _PROTOCOL_TCP:
        return None
    tcp = ip[header_length:total_length]
    if len(tcp) < 20:
        return None
    source, destination = struct.unpack("!HH", tcp[:4])
    return source, destination, tcp[(tcp[12] >> 4) * 4 :]


def segments_by_port(pcap: bytes, pattern: re.Pattern[bytes] | None = None) -> Counter[int]:
    """How many segments carry data (that shows `pattern`, if given), by the lower of their
    two ports: the service's, as clients use ephemeral ports."""
    return Counter(
        min(source, destination)
        for source, destination, payload in tcp_payloads(pcap)
        if pattern is None or pattern.search(payload)
    )
