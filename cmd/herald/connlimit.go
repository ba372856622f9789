package main

import (
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// tooManyConnections is what a connection over the limit is answered before it
// is closed: a complete HTTP response, so a client sees why rather than a reset.
var tooManyConnections = func() []byte {
	body := `{"error_code":50310,"message":"too many connections: the server is at its --max-connections limit; retry later"}`
	return []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}()

// refuseWriteTimeout bounds writing tooManyConnections to a refused connection
// (it fits any socket buffer, so this only guards against the unexpected).
const refuseWriteTimeout = time.Second

// refusalLogEvery is how often, at most, refused connections are logged.
const refusalLogEvery = time.Minute

// limitListener caps the connections open at once: each file descriptor and
// goroutine a connection holds is bounded, so slow or idle clients cannot
// exhaust the process's file limit. A connection over the cap is accepted,
// answered 503 (error_code 50310) and closed at once, rather than left waiting
// in the kernel's queue where the client cannot tell why nothing happens.
type limitListener struct {
	net.Listener
	max int64
	log *slog.Logger

	active  atomic.Int64 // connections accepted and not yet closed
	refused atomic.Int64 // connections refused since the last log line
	// lastLog is when refusals were last logged, in Unix nanoseconds.
	lastLog atomic.Int64
}

// newLimitListener wraps ln to hold at most max connections at once.
func newLimitListener(ln net.Listener, max int, log *slog.Logger) *limitListener {
	return &limitListener{Listener: ln, max: int64(max), log: log}
}

// Accept implements net.Listener: it returns the next connection under the cap,
// refusing those over it.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.active.Add(1) <= l.max {
			return &limitConn{Conn: c, l: l}, nil
		}
		l.active.Add(-1)
		l.refuse(c)
	}
}

// refuse answers c 503 and closes it, logging (at most every refusalLogEvery)
// how many connections were refused.
func (l *limitListener) refuse(c net.Conn) {
	// A refused client gets the best answer it can; any failure here only
	// means it gets a reset instead, so the errors are not reported.
	_ = c.SetWriteDeadline(time.Now().Add(refuseWriteTimeout))
	_, _ = c.Write(tooManyConnections)
	_ = c.Close()
	n := l.refused.Add(1)
	now := time.Now().UnixNano()
	last := l.lastLog.Load()
	if now-last >= int64(refusalLogEvery) && l.lastLog.CompareAndSwap(last, now) {
		l.refused.Add(-n)
		l.log.Warn("refused connections: at the connection limit", "refused", n, "max_connections", l.max)
	}
}

// Active returns how many accepted connections are open.
func (l *limitListener) Active() int64 { return l.active.Load() }

// limitConn gives its slot back when closed, once.
type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

// Close implements net.Conn.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.active.Add(-1) })
	return err
}
