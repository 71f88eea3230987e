/*
 * io/pcap.h — pcap files through libpcap: a writer for the raw IP packets
 * l4kit sends (LINKTYPE_RAW, nanosecond timestamps) and a reader that yields
 * the records of any capture libpcap opens (pcap or pcapng, as written by
 * tcpdump, tshark, Wireshark or l4kit).
 *
 * Turning a record's link layer into an IP packet is io/pcap_link.h.
 *
 * Timestamps are l4_time nanoseconds. The writer stores `now` as given: for
 * emulator runs that is virtual time from 0, which tools show as 1970-01-01.
 */
#ifndef L4_IO_PCAP_H
#define L4_IO_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/time.h"

/** Longest packet the writer stores whole; longer packets are cut (origlen keeps the size). */
#define L4_PCAP_SNAPLEN 65535

/** Room for the error texts below (libpcap's own messages are under 256 bytes). */
#define L4_PCAP_ERRBUF 512

typedef struct l4_pcap_writer l4_pcap_writer;
typedef struct l4_pcap_reader l4_pcap_reader;

/**
 * Creates (or truncates) the pcap file at `path` for raw IPv4/IPv6 packets:
 * link type LINKTYPE_RAW (101), nanosecond timestamp precision, snap length
 * L4_PCAP_SNAPLEN. On success `*pw` owns the open file until
 * l4_pcap_writer_close.
 *
 * Returns 0. Errors: L4_ERR_IO (the file cannot be created; the reason from
 * libpcap / errno is copied into `err` when `err` is not NULL, NUL-terminated
 * within `errcap` bytes), L4_ERR_NOMEM.
 */
int l4_pcap_writer_open(l4_pcap_writer **pw, const char *path, char *err, size_t errcap);

/**
 * Appends one record: the `len` bytes of the IP packet at `pkt` (copied;
 * the caller keeps `pkt`) with timestamp `now` in nanoseconds. Packets longer
 * than L4_PCAP_SNAPLEN are stored cut to it, with their full length recorded.
 *
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (w NULL, or pkt NULL with len
 * > 0), L4_ERR_IO (the write failed, e.g. a full disk; reported at the latest
 * by l4_pcap_writer_close).
 */
int l4_pcap_writer_write(l4_pcap_writer *w, l4_time now, const uint8_t *pkt, size_t len);

/** Records written so far. */
uint64_t l4_pcap_writer_count(const l4_pcap_writer *w);

/**
 * Writes buffered records to the file so that a reader sees them.
 * Returns 0. Errors: L4_ERR_IO.
 */
int l4_pcap_writer_flush(l4_pcap_writer *w);

/**
 * Flushes and closes the file and frees `w` (NULL is allowed and does
 * nothing). Returns 0. Errors: L4_ERR_IO when any write or the final flush
 * failed (the file is closed and `w` freed anyway).
 */
int l4_pcap_writer_close(l4_pcap_writer *w);

/** One record of a capture, as l4_pcap_reader_next yields it. */
typedef struct l4_pcap_record {
    uint64_t index;      /* 1 for the first record of the file */
    l4_time ts;          /* the record's timestamp in ns (since the epoch, or virtual time) */
    uint32_t caplen;     /* bytes present in `data` */
    uint32_t origlen;    /* bytes the packet had on the wire */
    const uint8_t *data; /* borrowed from the reader; valid until the next call on it */
    int linktype;        /* libpcap DLT_* value of the capture (interface) */
    long offset;         /* byte offset of the record in the file, -1 when unknown */
} l4_pcap_record;

/**
 * Opens the capture at `path` (pcap or pcapng; timestamps are read at
 * nanosecond precision whatever the file holds). `*pr` owns the file until
 * l4_pcap_reader_close.
 *
 * Returns 0. Errors: L4_ERR_IO (cannot open, or not a capture libpcap
 * understands; libpcap's reason goes into `err` as for the writer),
 * L4_ERR_NOMEM.
 */
int l4_pcap_reader_open(l4_pcap_reader **pr, const char *path, char *err, size_t errcap);

/** The DLT_* link type of the capture (of its first interface for pcapng). */
int l4_pcap_reader_linktype(const l4_pcap_reader *r);

/**
 * Reads the next record into `*rec`.
 *
 * Returns 1 when a record was read, 0 at the clean end of the file.
 * Errors: L4_ERR_TRUNCATED (the file ends inside a record) or
 * L4_ERR_MALFORMED (a record header libpcap rejects, e.g. an impossible
 * capture length). After an error l4_pcap_reader_error gives a one-line
 * reason naming the record number, its byte offset when known and libpcap's
 * reason; every later call returns the same error (a capture cannot be
 * resynchronised after a bad record header).
 */
int l4_pcap_reader_next(l4_pcap_reader *r, l4_pcap_record *rec);

/** The reason for the last error of l4_pcap_reader_next ("" when none). Never NULL. */
const char *l4_pcap_reader_error(const l4_pcap_reader *r);

/** Closes the file and frees `r` (NULL is allowed). */
void l4_pcap_reader_close(l4_pcap_reader *r);

#endif
