package server

// The audit log: one JSON line for every state-changing request and every
// refused one, written before the response leaves the server.
//
// Unlike the access log, which is written off the request path and may drop
// lines, the audit log is on the request path by design: a write that was
// acknowledged must be in the log even if the process is killed right after.
// So the response is held back until its line has been written and synced;
// if the line cannot be written, a state-changing request answers 500 rather
// than be acknowledged without a trace. Lines of concurrent requests share
// one write and one fsync (group commit), so the cost of the sync is paid per
// batch, not per request.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/broker"
)

// auditQueue is how many lines may wait for the writer; a request that finds
// it full waits, as it waits for its own line anyway.
const auditQueue = 1024

// errAuditClosed is the error of a line recorded after Close.
var errAuditClosed = errors.New("audit log: closed")

// AuditLog writes the audit log: one JSON line per state-changing or refused
// request, each durable (written, and synced when a sync function is given)
// before the request's response is sent. It is safe for concurrent use.
type AuditLog struct {
	w    io.Writer
	sync func() error
	// now is time.Now; tests replace it.
	now func() time.Time

	queue chan *auditEntry
	done  chan struct{}
	// mu guards closed against sends on the closed queue: senders hold it for
	// reading, Close for writing.
	mu     sync.RWMutex
	closed bool

	// partial is set by the writer after a failed write, which may have left
	// half a line: the next write starts on a new line. Only the writer
	// goroutine touches it.
	partial bool

	written, failed, batches atomic.Uint64
}

// auditEntry is one line waiting for the writer, and the channel its
// request waits on for the outcome.
type auditEntry struct {
	line []byte
	done chan error
}

// NewAuditLog starts an audit log writing to w. sync, when not nil, is called
// after every batch of lines and before any of their requests is answered:
// pass (*os.File).Sync for a file. Nil (standard output, a pipe) means a line
// counts as written once w has taken it. Close stops it.
func NewAuditLog(w io.Writer, sync func() error) *AuditLog {
	l := &AuditLog{w: w, sync: sync, now: time.Now, queue: make(chan *auditEntry, auditQueue), done: make(chan struct{})}
	go l.run()
	return l
}

// auditLine is one line of the audit log. Field order is the order written.
type auditLine struct {
	Time       string        `json:"time"`
	RequestID  string        `json:"request_id"`
	Principal  string        `json:"principal"`
	AuthMethod string        `json:"auth_method"`
	Action     string        `json:"action"`
	Method     string        `json:"method"`
	Route      string        `json:"route"`
	Resource   auditResource `json:"resource,omitzero"`
	Outcome    string        `json:"outcome"`
	Status     int           `json:"status"`
	RemoteAddr string        `json:"remote_addr"`
	// Result is what an allowed write made (see auditResult); absent for
	// refusals and for writes that report nothing.
	Result *auditResult `json:"result,omitempty"`
}

// auditResult is what a write made, from the handler's answer: for a
// registration the version and schema id, for a publish the first offset
// stored and how many events were stored and dead-lettered, for a redrive how
// many dead letters were redriven and refused again. The handler puts it in
// the gin context (setAuditResult), the line picks it up.
type auditResult struct {
	Version      int    `json:"version,omitempty"`
	SchemaID     int    `json:"schema_id,omitempty"`
	FirstOffset  *int64 `json:"first_offset,omitempty"`
	Count        int    `json:"count,omitempty"`
	DeadLettered int    `json:"dead_lettered,omitempty"`
	Refused      int    `json:"refused,omitempty"`
}

// auditAlwaysKey marks, in the gin context, a read that is audited all the
// same, whatever its outcome: the sign-in callback, which begins a session.
const auditAlwaysKey = "herald.auditAlways"

// auditResultKey is the gin context key of a request's auditResult.
const auditResultKey = "herald.auditResult"

// setAuditResult records what the request made, for its audit line. It costs
// one context write, and nothing when no audit log is kept.
func (s *Server) setAuditResult(c *gin.Context, r auditResult) {
	if s.cfg.AuditLog != nil {
		c.Set(auditResultKey, &r)
	}
}

// auditResource is what a request acted on, from its path: the subject
// (context-qualified), version, topic, consumer group, context, and the id of
// a schema or catalog entity.
type auditResource struct {
	Subject string `json:"subject,omitempty"`
	Version string `json:"version,omitempty"`
	Topic   string `json:"topic,omitempty"`
	Group   string `json:"group,omitempty"`
	Context string `json:"context,omitempty"`
	ID      string `json:"id,omitempty"`
	GUID    string `json:"guid,omitempty"`
}

// The outcomes of an audited request.
const (
	outcomeAllowed = "allowed" // answered below 400
	outcomeDenied  = "denied"  // 401, 403 or 429: refused before it ran
	outcomeFailed  = "failed"  // any other error
)

// outcomeOf classifies a status.
func outcomeOf(status int) string {
	switch {
	case status < 400:
		return outcomeAllowed
	case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests:
		return outcomeDenied
	}
	return outcomeFailed
}

// encodeAuditLine encodes one line, ending in a newline. encoding/json
// escapes control characters (and replaces invalid UTF-8), so whatever a
// caller puts in a subject or a user name, the line stays one line of valid
// JSON.
func encodeAuditLine(line *auditLine) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(line); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// record writes one line and waits until it is durable. It returns an error
// when the line could not be written; the caller must then not acknowledge
// the request.
func (l *AuditLog) record(line *auditLine) error {
	b, err := encodeAuditLine(line)
	if err != nil {
		return err
	}
	e := &auditEntry{line: b, done: make(chan error, 1)}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return errAuditClosed
	}
	l.queue <- e
	l.mu.RUnlock()
	return <-e.done
}

// run is the writer: it takes every line queued, writes them in one write,
// syncs once, and only then releases their requests.
func (l *AuditLog) run() {
	defer close(l.done)
	var (
		batch []*auditEntry
		buf   []byte
	)
	for first := range l.queue {
		batch = append(batch[:0], first)
	more:
		for len(batch) < auditQueue {
			select {
			case e, ok := <-l.queue:
				if !ok {
					break more
				}
				batch = append(batch, e)
			default:
				break more
			}
		}
		buf = buf[:0]
		if l.partial {
			buf = append(buf, '\n')
		}
		for _, e := range batch {
			buf = append(buf, e.line...)
		}
		err := l.flush(buf)
		l.partial = err != nil
		l.batches.Add(1)
		if err != nil {
			l.failed.Add(uint64(len(batch)))
		} else {
			l.written.Add(uint64(len(batch)))
		}
		for i, e := range batch {
			e.done <- err
			batch[i] = nil
		}
	}
}

// flush writes one batch and syncs it.
func (l *AuditLog) flush(b []byte) error {
	if _, err := l.w.Write(b); err != nil {
		return err
	}
	if l.sync != nil {
		return l.sync()
	}
	return nil
}

// Close writes the lines already recorded and stops the writer; lines
// recorded afterwards fail. Close it after the HTTP server has stopped. It
// does not close the writer.
func (l *AuditLog) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	<-l.done
	return nil
}

// requestIDHeader carries a request's id, from the client or made here, back
// in the response.
const requestIDHeader = "X-Request-Id"

// maxRequestID bounds a client's request id; a longer one is replaced.
const maxRequestID = 128

// requestIDs makes request ids: a random prefix per process and a counter,
// unique without a random read per request.
var requestIDs struct {
	once   sync.Once
	prefix string
	n      atomic.Uint64
}

// requestID is the client's X-Request-Id when it is short and made of
// letters, digits and -._:, else a new id.
func requestID(r *http.Request) string {
	if id := r.Header.Get(requestIDHeader); id != "" && len(id) <= maxRequestID && plainID(id) {
		return id
	}
	requestIDs.once.Do(func() {
		var b [6]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		requestIDs.prefix = hex.EncodeToString(b[:]) + "-"
	})
	return requestIDs.prefix + strconv.FormatUint(requestIDs.n.Add(1), 10)
}

// plainID reports whether id holds only characters safe to echo in a header
// and to log.
func plainID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == ':' {
			continue
		}
		return false
	}
	return true
}

// auditMiddleware holds back each response until its audit line, if it needs
// one, is written: every state-changing request, and every request refused
// with 401, 403 or 429. It runs outside recovery, so a panic's 500 is audited
// too. It also gives every request an id (the client's X-Request-Id, or a new
// one), echoed in the response.
func (s *Server) auditMiddleware(c *gin.Context) {
	if s.cfg.AuditLog == nil {
		return
	}
	id := requestID(c.Request)
	c.Header(requestIDHeader, id)
	w := &auditWriter{ResponseWriter: c.Writer, s: s, c: c, id: id, write: isWrite(c.Request.Method)}
	c.Writer = w
	c.Next()
	// A response with no body (a 204) has not been written yet: audit it now,
	// before gin sends its headers.
	w.commit()
	c.Writer = w.ResponseWriter
	if w.state == auditSwallowed {
		h := c.Writer.Header()
		for _, k := range []string{"Content-Length", "Content-Type", "Location", "ETag"} {
			h.Del(k)
		}
		s.writeError(c, errInternal)
	}
}

// The states of an auditWriter.
const (
	auditPending   uint8 = iota // nothing sent; the handler's status is held
	auditPassed                 // audited (or no line needed): writes go through
	auditSwallowed              // the line failed: the handler's answer is dropped
)

// auditWriter holds a response's status until its first byte, headers or
// flush, writes the audit line then, and only then lets the response go.
type auditWriter struct {
	gin.ResponseWriter
	s     *Server
	c     *gin.Context
	id    string
	write bool
	// status is the status the handler set while pending (0: none yet).
	status int
	state  uint8
}

// commit decides, once, whether the response may go: it writes the audit line
// when one is needed. When the line fails on a state-changing request, the
// handler's answer is swallowed and the middleware answers 500 instead.
func (w *auditWriter) commit() {
	if w.state != auditPending {
		return
	}
	status := w.Status()
	if w.write || outcomeOf(status) == outcomeDenied || w.c.GetBool(auditAlwaysKey) {
		if err := w.s.audit(w.c, w.id, status); err != nil {
			w.s.log.ErrorContext(w.c.Request.Context(), "audit log write failed", "method", w.c.Request.Method,
				"route", routeLabel(w.c), "request_id", w.id, "err", err)
			if w.write {
				w.state = auditSwallowed
				return
			}
		}
	}
	w.state = auditPassed
	if w.status != 0 {
		w.ResponseWriter.WriteHeader(w.status)
	}
}

// WriteHeader holds the status until the response is committed.
func (w *auditWriter) WriteHeader(code int) {
	if w.state == auditPending {
		w.status = code
		return
	}
	if w.state == auditPassed {
		w.ResponseWriter.WriteHeader(code)
	}
}

// Status is the status the handler set, held or sent.
func (w *auditWriter) Status() int {
	if w.state == auditPending && w.status != 0 {
		return w.status
	}
	return w.ResponseWriter.Status()
}

// Written reports whether the response has started (or been swallowed).
func (w *auditWriter) Written() bool {
	switch w.state {
	case auditPending:
		return false
	case auditSwallowed:
		return true
	}
	return w.ResponseWriter.Written()
}

// WriteHeaderNow commits, then sends the headers.
func (w *auditWriter) WriteHeaderNow() {
	w.commit()
	if w.state == auditPassed {
		w.ResponseWriter.WriteHeaderNow()
	}
}

// Write commits, then writes.
func (w *auditWriter) Write(b []byte) (int, error) {
	w.commit()
	if w.state == auditSwallowed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// WriteString commits, then writes.
func (w *auditWriter) WriteString(s string) (int, error) {
	w.commit()
	if w.state == auditSwallowed {
		return len(s), nil
	}
	return w.ResponseWriter.WriteString(s)
}

// Flush commits, then flushes.
func (w *auditWriter) Flush() {
	w.commit()
	if w.state == auditPassed {
		w.ResponseWriter.Flush()
	}
}

// audit writes the line of the request in c, answered with status.
func (s *Server) audit(c *gin.Context, id string, status int) error {
	r := c.Request
	line := auditLine{
		Time:       s.cfg.AuditLog.now().UTC().Format(time.RFC3339Nano),
		RequestID:  id,
		Method:     r.Method,
		Route:      routeLabel(c),
		Outcome:    outcomeOf(status),
		Status:     status,
		RemoteAddr: remoteHost(r.RemoteAddr),
		Resource: auditResource{
			Subject: c.Param("subject"), Version: c.Param("version"), Topic: c.Param("topic"),
			Group: c.Param("group"), Context: c.Param("context"), ID: c.Param("id"), GUID: c.Param("guid"),
		},
	}
	line.Principal, line.AuthMethod = s.auditIdentity(c)
	if v, ok := c.Get(auditResultKey); ok && line.Outcome == outcomeAllowed {
		line.Result, _ = v.(*auditResult)
	}
	if rule, ok := accessRules[accessKey{r.Method, c.FullPath()}]; ok {
		a := rule.action
		if rule.permanent != 0 && queryBool(c, "permanent") {
			a = rule.permanent
		}
		line.Action = a.String()
	} else {
		line.Action = "unrouted"
	}
	return s.cfg.AuditLog.record(&line)
}

// auditIdentity names the caller for the audit log: the authenticated
// principal; else, for a credential that was refused, the user name it
// claimed (Basic) and its scheme, never the secret; else the anonymous
// caller. With auth off the method is "none".
func (s *Server) auditIdentity(c *gin.Context) (name, method string) {
	if s.cfg.Auth == nil {
		return auth.AnonymousName, "none"
	}
	if p := principal(c); p != nil {
		return p.Name, p.Method.String()
	}
	h := c.Request.Header.Get("Authorization")
	if h == "" {
		if tls := c.Request.TLS; tls != nil && len(tls.VerifiedChains) > 0 && len(tls.VerifiedChains[0]) > 0 {
			return tls.VerifiedChains[0][0].Subject.CommonName, auth.MTLS.String()
		}
		return auth.AnonymousName, auth.Anonymous.String()
	}
	cred, err := auth.ParseAuthorization(h)
	switch {
	case err != nil:
		return "", "malformed"
	case cred.Scheme == auth.SchemeBasic:
		return cred.User, auth.Basic.String()
	case cred.IsJWT():
		return "", auth.OIDC.String()
	}
	return "", auth.APIKey.String()
}

// auditPublish records a publish's result: the first offset it stored (none
// when every event was a duplicate or dead-lettered) and its counts.
func (s *Server) auditPublish(c *gin.Context, res []broker.Result, stored, dead int) {
	if s.cfg.AuditLog == nil {
		return
	}
	r := auditResult{Count: stored, DeadLettered: dead}
	for _, e := range res {
		if e.DeadLetter == nil && !e.Duplicate {
			off := e.Offset
			r.FirstOffset = &off
			break
		}
	}
	s.setAuditResult(c, r)
}
