"""tests/host/gen_vectors.py — writes tests/host/vectors.h: packets built independently of wire/ (plain struct packing and an RFC 1071 sum) for the exact-byte tests of the host. IPv4 replies carry ID 0 (the host picks its own ID; tests compare all other bytes)."""
import struct
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b))
    while s>>16: s=(s&0xffff)+(s>>16)
    return (~s)&0xffff
A4=bytes([10,0,0,1]); B4=bytes([10,0,0,2])
A6=bytes.fromhex('fd000000000000000000000000000001'); B6=bytes.fromhex('fd000000000000000000000000000002')
def ip4(src,dst,proto,payload,ident=0x1234,ttl=64,df=True):
    h=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(payload),ident,0x4000 if df else 0,ttl,proto,0,src,dst)
    c=csum(h); h=h[:10]+struct.pack('!H',c)+h[12:]
    return h+payload
def ip6(src,dst,nh,payload,hl=64):
    return struct.pack('!IHBB',0x60000000,len(payload),nh,hl)+src+dst+payload
def ps6(src,dst,nh,l): return src+dst+struct.pack('!IxxxB',l,nh)
def ps4(src,dst,p,l): return src+dst+struct.pack('!xBH',p,l)
def icmp4(t,c,rest,body):
    m=struct.pack('!BBH',t,c,0)+rest+body; return m[:2]+struct.pack('!H',csum(m))+m[4:]
def icmp6(src,dst,t,c,rest,body):
    m=struct.pack('!BBH',t,c,0)+rest+body; k=csum(ps6(src,dst,58,len(m))+m); return m[:2]+struct.pack('!H',k)+m[4:]
def udp(src,dst,sp,dp,data,v6=False):
    u=struct.pack('!HHHH',sp,dp,8+len(data),0)+data
    k=csum((ps6(src,dst,17,len(u)) if v6 else ps4(src,dst,17,len(u)))+u)
    if k==0: k=0xffff
    return u[:6]+struct.pack('!H',k)+u[8:]
def tcp(src,dst,sp,dp,seq,ack,flags,win,data=b'',v6=False,opts=b''):
    off=(20+len(opts))//4
    t=struct.pack('!HHIIBBHHH',sp,dp,seq,ack,off<<4,flags,win,0,0)+opts+data
    k=csum((ps6(src,dst,6,len(t)) if v6 else ps4(src,dst,6,len(t)))+t)
    return t[:16]+struct.pack('!H',k)+t[18:]
def carr(name,b):
    s='static const uint8_t %s[%d] = {'%(name,len(b))
    s+=', '.join('0x%02x'%x for x in b)+'};'
    return s
out=[]
body=b'hello, l4kit'
req4=ip4(B4,A4,1,icmp4(8,0,struct.pack('!HH',0x4242,7),body))
rep4=ip4(A4,B4,1,icmp4(0,0,struct.pack('!HH',0x4242,7),body),ident=0)
out+=[carr('ECHO4_REQ',req4),carr('ECHO4_REP',rep4)]
req6=ip6(B6,A6,58,icmp6(B6,A6,128,0,struct.pack('!HH',0x4242,7),body))
rep6=ip6(A6,B6,58,icmp6(A6,B6,129,0,struct.pack('!HH',0x4242,7),body))
out+=[carr('ECHO6_REQ',req6),carr('ECHO6_REP',rep6)]
u4=ip4(B4,A4,17,udp(B4,A4,40000,9,b'ping?'),ident=0x5555)
pu4=ip4(A4,B4,1,icmp4(3,3,b'\0\0\0\0',u4),ident=0)
out+=[carr('UDP4_CLOSED',u4),carr('UDP4_UNREACH',pu4)]
u6=ip6(B6,A6,17,udp(B6,A6,40000,9,b'ping?',True))
pu6=ip6(A6,B6,58,icmp6(A6,B6,1,4,b'\0\0\0\0',u6))
out+=[carr('UDP6_CLOSED',u6),carr('UDP6_UNREACH',pu6)]
# big UDP v4 (1000 bytes payload) -> quote limited to 548
big=ip4(B4,A4,17,udp(B4,A4,40001,9,(bytes(range(256))*4)[:1000]),ident=0x77)
pbig=ip4(A4,B4,1,icmp4(3,3,b'\0\0\0\0',big[:548]),ident=0)
out+=[carr('UDP4_BIG',big),carr('UDP4_BIG_UNREACH',pbig)]
big6=ip6(B6,A6,17,udp(B6,A6,40001,9,(bytes(range(256))*6)[:1400],True))
pbig6=ip6(A6,B6,58,icmp6(A6,B6,1,4,b'\0\0\0\0',big6[:1232]))
out+=[carr('UDP6_BIG',big6),carr('UDP6_BIG_UNREACH',pbig6)]
syn4=ip4(B4,A4,6,tcp(B4,A4,40000,80,0x01020304,0,0x02,65535))
rst4=ip4(A4,B4,6,tcp(A4,B4,80,40000,0,0x01020305,0x14,0),ident=0)
out+=[carr('SYN4_CLOSED',syn4),carr('SYN4_RST',rst4)]
ack6=ip6(B6,A6,6,tcp(B6,A6,40000,80,0x11111111,0xa0b0c0d0,0x10,1000,b'xyz',True))
rst6=ip6(A6,B6,6,tcp(A6,B6,80,40000,0xa0b0c0d0,0,0x04,0,b'',True))
out+=[carr('ACK6_CLOSED',ack6),carr('ACK6_RST',rst6)]
print('\n'.join(out))
