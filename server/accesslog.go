package server

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAccessLogQueue is how many access log lines may wait for the writer
// when NewAccessLog is given no queue size.
const DefaultAccessLogQueue = 4096

// AccessLog writes one JSON line per request, with the fields of the combined
// log format, off the request path: a request only copies its facts into a
// bounded queue, and one goroutine encodes and writes them through a buffer.
// When the queue is full (the destination is slower than the traffic) the line
// is dropped and counted, never waited for; /metrics reports the count as
// herald_access_log_dropped_total.
type AccessLog struct {
	queue chan accessEntry
	out   *bufio.Writer
	// stop ends the writer; done is closed once it has flushed and returned.
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	// err is the first write error, reported by Close; the writer keeps
	// draining the queue after it so that requests never block.
	err error

	written, dropped atomic.Uint64
}

// accessEntry is what a request hands to the writer: strings it already holds
// and numbers, so that queueing it copies and allocates nothing.
type accessEntry struct {
	start                     time.Time
	duration                  time.Duration
	remoteAddr, authorization string
	method, uri, proto, route string
	referer, userAgent        string
	status, bytes             int
}

// accessLine is the JSON form of one line: the combined log's fields, plus the
// route pattern and the duration.
type accessLine struct {
	RemoteAddr string  `json:"remote_addr"`
	RemoteUser string  `json:"remote_user"`
	Time       string  `json:"time"`
	Method     string  `json:"method"`
	URI        string  `json:"uri"`
	Protocol   string  `json:"protocol"`
	Status     int     `json:"status"`
	Bytes      int     `json:"bytes"`
	Referer    string  `json:"referer"`
	UserAgent  string  `json:"user_agent"`
	Route      string  `json:"route"`
	DurationMS float64 `json:"duration_ms"`
}

// NewAccessLog starts an access log writing to w, with room for queue lines
// waiting to be written (zero: DefaultAccessLogQueue). Close flushes it.
func NewAccessLog(w io.Writer, queue int) *AccessLog {
	if queue <= 0 {
		queue = DefaultAccessLogQueue
	}
	l := &AccessLog{
		queue: make(chan accessEntry, queue),
		out:   bufio.NewWriterSize(w, 64<<10),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go l.run()
	return l
}

// record queues one request's line, or counts it as dropped when the queue is
// full. It never blocks.
func (l *AccessLog) record(r *http.Request, status, size int, start time.Time, d time.Duration, route string) {
	if size < 0 {
		size = 0 // gin reports -1 when nothing was written
	}
	e := accessEntry{
		start: start, duration: d,
		remoteAddr: r.RemoteAddr, authorization: r.Header.Get("Authorization"),
		method: r.Method, uri: r.RequestURI, proto: r.Proto, route: route,
		referer: r.Header.Get("Referer"), userAgent: r.Header.Get("User-Agent"),
		status: status, bytes: size,
	}
	select {
	case l.queue <- e:
	default:
		l.dropped.Add(1)
	}
}

// run is the writer: it writes what is queued and flushes whenever the queue
// runs empty, so a line reaches the file soon after its request and a burst
// costs one write.
func (l *AccessLog) run() {
	defer close(l.done)
	enc := json.NewEncoder(l.out)
	enc.SetEscapeHTML(false)
	for {
		select {
		case e := <-l.queue:
			l.write(enc, e)
			l.drain(enc)
			l.flush()
		case <-l.stop:
			l.drain(enc)
			l.flush()
			return
		}
	}
}

// drain writes every line already queued.
func (l *AccessLog) drain(enc *json.Encoder) {
	for {
		select {
		case e := <-l.queue:
			l.write(enc, e)
		default:
			return
		}
	}
}

func (l *AccessLog) write(enc *json.Encoder, e accessEntry) {
	line := accessLine{
		RemoteAddr: remoteHost(e.remoteAddr),
		RemoteUser: basicUser(e.authorization),
		Time:       e.start.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Method:     e.method, URI: e.uri, Protocol: e.proto,
		Status: e.status, Bytes: e.bytes,
		Referer: dashIfEmpty(e.referer), UserAgent: dashIfEmpty(e.userAgent),
		Route:      e.route,
		DurationMS: float64(e.duration.Microseconds()) / 1000,
	}
	if line.Route == "" {
		line.Route = "unmatched"
	}
	if err := enc.Encode(line); err != nil {
		l.fail(err)
		l.dropped.Add(1)
		return
	}
	l.written.Add(1)
}

func (l *AccessLog) flush() {
	if err := l.out.Flush(); err != nil {
		l.fail(err)
	}
}

// fail keeps the first error for Close. A bufio.Writer stays failed after an
// error, so later lines are lost; they are counted as dropped.
func (l *AccessLog) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

// Close writes the lines still queued, flushes, and stops the writer. Requests
// recorded after Close are not written. It returns the first write error.
func (l *AccessLog) Close() error {
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.done
	return l.err
}

// writeMetrics adds the access log's counters to the /metrics exposition.
func (l *AccessLog) writeMetrics(bw *promWriter) {
	bw.line("# HELP herald_access_log_lines_total Access log lines written.")
	bw.line("# TYPE herald_access_log_lines_total counter")
	bw.printf("herald_access_log_lines_total %d\n", l.written.Load())
	bw.line("# HELP herald_access_log_dropped_total Access log lines dropped because the queue to the writer was full.")
	bw.line("# TYPE herald_access_log_dropped_total counter")
	bw.printf("herald_access_log_dropped_total %d\n", l.dropped.Load())
}

// remoteHost is the client address without its port, as the combined log has it.
func remoteHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return dashIfEmpty(addr)
}

// basicUser is the user name of HTTP Basic credentials, or "-". The password
// is never kept.
func basicUser(authorization string) string {
	const prefix = "Basic "
	if len(authorization) < len(prefix) || !strings.EqualFold(authorization[:len(prefix)], prefix) {
		return "-"
	}
	raw, err := base64.StdEncoding.DecodeString(authorization[len(prefix):])
	if err != nil {
		return "-"
	}
	user, _, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" {
		return "-"
	}
	return user
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
