#!/bin/sh
# Writes the seed frames of fuzz_decode into tests/fuzz/seeds/decode/.  Each
# file is one selector byte (index into the harness's DLT list: 0 Ethernet,
# 1 NULL, 2 LOOP, 3 RAW, 4 RAW/14, 5 IPV4, 6 IPV6, 7 SLL, 8 SLL2, 9 PPP,
# 10 Cisco HDLC, 11 NFLOG)
# followed by a frame written here in hex.  With the selector's top bit set
# the rest is several frames, each after a 2-byte length.
set -eu
out=$(dirname "$0")/seeds/decode
mkdir -p "$out"

seed() { # name, hex (spaces ignored)
	printf '%s' "$2" | tr -d ' \n' | xxd -r -p > "$out/$1"
}

ETH="020000000001 b827eb112233"
A4="c0a80001"; B4="0a000002"
A6="20010db8000000000000000000000001"; B6="20010db8000000000000000000000002"
# IPv4 UDP 53 -> 53 with "abcd": 32 bytes
V4UDP="45000020 0001 0000 4011 0000 $A4 $B4 0035 0035 000c 0000 61626364"
# IPv6 UDP 1111 -> 2222 with "ping": 52 bytes
V6UDP="60000000 000c 1140 $A6 $B6 0457 08ae 000c 0000 70696e67"
TCPOPTS="020405b4 0402 080a0000000100000000 01 030307"

seed eth_ipv4_tcp_syn "00 $ETH 0800 4500003c 1234 4000 4006 0000 $A4 $B4
	9c40 01bb 11223344 00000000 a002 ffff 0000 0000 $TCPOPTS"
seed eth_vlan_ipv6_udp "00 $ETH 8100 0064 86dd $V6UDP"
seed eth_qinq_ipv4_udp "00 $ETH 88a8 00c8 8100 012c 0800 $V4UDP"
seed eth_gre_key_ipv4 "00 $ETH 0800 4500003c 0002 0000 402f 0000 01020304 05060708
	2000 0800 0000cafe $V4UDP"
seed eth_vxlan "00 $ETH 0800 45000052 0003 0000 4011 0000 01020304 05060708
	d903 12b5 003e 0000 08000000 12345600 $ETH 0800 $V4UDP"
seed eth_pppoe_ipv4 "00 $ETH 8864 1100 0001 0022 0021 $V4UDP"
seed eth_arp "00 $ETH 0806 0001 0800 0604 0001 b827eb112233 $A4 000000000000 $B4"
seed raw_frag0 "03 45000024 0077 2000 4011 0000 $A4 $B4 0fa0 1388 0020 0000 3031323334353637"
seed raw_frag1 "03 45000024 0077 0002 4011 0000 $A4 $B4 3839616263646566 6768696a6b6c6d6e"
seed ipv6_hbh_atomic_frag "06 60000000 0018 0040 $A6 $B6 2c00 0104 00000000
	1100 0000 00000001 0457 08ae 0008 0000"
seed null_ipv4 "01 02000000 $V4UDP"
seed loop_ipv6 "02 0000001e $V6UDP"
seed sll_ipv6 "07 0000 0001 0006 b827eb1122330000 86dd $V6UDP"
seed sll2_ipv4 "08 0800 0000 00000002 0001 00 06 b827eb1122330000 $V4UDP"
seed ppp_ipv4 "09 ff03 0021 $V4UDP"
seed chdlc_ipv6 "0a 0f00 86dd $V6UDP"
seed chdlc_mpls_ipv4 "0a 8f00 8847 00064140 00065140 $V4UDP"
seed null_chdlc_ipv4 "01 0f000800 $V4UDP"
seed loop_swapped_ipv4 "02 02000000 $V4UDP"
# NFLOG (TLV lengths little-endian: this host's order): prefix TLV, then the payload TLV
seed nflog_ipv4 "0b 02 00 0005 0800 0a00 6c6f6700 2400 0900 $V4UDP"
seed eth_mpls_ipv6 "00 $ETH 8847 00001140 $V6UDP"
# GTP-U G-PDU with S and an extension header (PDU session container) carrying IPv4 UDP
seed eth_gtpu_ipv4 "00 $ETH 0800 4500004c 0004 0000 4011 0000 01020304 05060708
	0868 0868 0038 0000 36ff 0028 12345678 0001 00 85 01 10 01 00 $V4UDP"
FRAG0="45000024 0077 2000 4011 0000 $A4 $B4 0fa0 1388 0020 0000 3031323334353637"
FRAG1="45000024 0077 0002 4011 0000 $A4 $B4 3839616263646566 6768696a6b6c6d6e"
seed multi_raw_frag_reverse "83 0024 $FRAG1 0024 $FRAG0"
# IPv6 UDP datagram in two fragments: [0,16) then [16,24), then a duplicate
F6A="60000000 0018 2c40 $A6 $B6 1100 0001 000000aa 0457 08ae 0018 0000 3031323334353637"
F6B="60000000 0010 2c40 $A6 $B6 1100 0010 000000aa 3839616263646566"
seed multi_ipv6_frags "86 0040 $F6A 0038 $F6B 0038 $F6B"
# IPv4 fragments of a GRE packet carrying IPv4 UDP
seed multi_gre_frags "83 0024 45000024 0078 2000 402f 0000 01020304 05060708 2000 0800 0000cafe 45000020 0001 0000
	002c 4500002c 0078 0002 402f 0000 01020304 05060708 4011 0000 $A4 $B4 0035 0035 000c 0000 61626364"
