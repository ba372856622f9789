package registry

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// maxGroup bounds the registrations one transaction carries, so that one
// commit never holds the write lock for long.
const maxGroup = 64

// groupTimeout bounds one group transaction, a store that stops answering
// included; its registrations then fail together.
const groupTimeout = time.Minute

// valuesOf is Context (its deadline and cancellation) with the values of
// another context (a request's principal).
type valuesOf struct {
	context.Context
	values context.Context
}

func (c valuesOf) Value(key any) any { return c.values.Value(key) }

// registrations commits concurrent registrations together (group commit).
// A commit waits for the disk once per transaction (SQLite's FULL sync,
// PostgreSQL's WAL flush), so registrations that arrive while one commits
// queue here and share the next transaction instead of taking one commit
// each. Each runs inside a savepoint of that transaction: one that fails
// (incompatible, invalid, conflicting) undoes only its own writes, and the
// others commit. The result is the same as running them one after the other
// in arrival order.
//
// mu is never held while taking Service.writeMu or calling the store.
type registrations struct {
	mu sync.Mutex
	// pending are the registrations waiting for a transaction, in arrival
	// order; leading is set while a goroutine is committing them.
	pending []*regJob
	leading bool
	// unanswered counts the registrations submitted and not yet answered,
	// pending or in the group being committed.
	unanswered int
}

// regJob is one registration waiting in registrations.
type regJob struct {
	ctx context.Context
	sn  subjectName
	req RegisterRequest
	pre *preParsed
	// res and err are its outcome, set before done is closed.
	res  registered
	err  error
	done chan struct{}
}

// registerGrouped runs one registration attempt in the next group
// transaction and returns its outcome once that transaction has committed
// (or failed) and the caches have been updated. It waits for the outcome even
// when ctx ends: the registration may be committing, and the answer must say
// what happened (a registration that has not started by then is skipped).
func (s *Service) registerGrouped(ctx context.Context, sn subjectName, req RegisterRequest, pre *preParsed) (registered, error) {
	j := &regJob{ctx: ctx, sn: sn, req: req, pre: pre, done: make(chan struct{})}
	g := &s.regs
	g.mu.Lock()
	g.pending = append(g.pending, j)
	g.unanswered++
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if lead {
		go s.commitRegistrations()
	}
	<-j.done
	return j.res, j.err
}

// commitRegistrations commits the pending registrations, up to maxGroup per
// transaction, until none is left.
func (s *Service) commitRegistrations() {
	g := &s.regs
	for {
		g.mu.Lock()
		n := min(len(g.pending), maxGroup)
		if n == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		jobs := g.pending[:n:n]
		g.pending = g.pending[n:]
		g.mu.Unlock()
		s.commitGroup(jobs)
		g.mu.Lock()
		g.unanswered -= len(jobs)
		g.mu.Unlock()
		for _, j := range jobs {
			close(j.done)
		}
	}
}

// commitGroup runs jobs in one transaction, each in a savepoint, under
// writeMu, and updates the caches for those that committed.
//
// Each job runs on a context that keeps its request's values (the principal
// recorded as the version's author) but the group's deadline, not its
// request's cancellation: a statement interrupted half-way can end the whole
// transaction (SQLite rolls it back; the PostgreSQL driver closes the
// connection), and with it the others' registrations. A job whose request has
// ended before its turn is skipped. Its work inside is bounded all the same:
// the compatibility check by its node and violation budget, the group by
// groupTimeout.
func (s *Service) commitGroup(jobs []*regJob) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(jobs[0].ctx), groupTimeout)
	defer cancel()
	err := s.update(ctx, func(tx Tx) error {
		for _, j := range jobs {
			j.res, j.err = registered{}, nil // a store may run this again
			if err := j.ctx.Err(); err != nil {
				j.err = err
				continue
			}
			jctx := valuesOf{Context: ctx, values: j.ctx}
			var own error
			err := tx.Savepoint(jctx, func() error {
				j.res, own = s.registerOrRecover(jctx, tx, j)
				return own
			})
			if err != own {
				return err // the savepoint failed: the transaction is lost
			}
			j.err = own
		}
		return nil
	})
	for _, j := range jobs {
		if err != nil && j.err == nil {
			j.err = err // not committed
			continue
		}
		if j.err != nil {
			continue
		}
		for _, k := range j.res.evict {
			s.cache.evict(k)
		}
		if c := j.res.created; c != nil {
			s.cache.putRecord(*c)
			s.cache.putParsed(idKey{c.Context, c.ID}, j.res.parsed, j.res.cost)
		}
	}
}

// registerOrRecover runs one job's registration. This goroutine is not a
// request's, so no HTTP middleware would recover a panic here: a bug that
// panics on one schema fails that registration (its savepoint is rolled
// back), not the process and the group.
func (s *Service) registerOrRecover(ctx context.Context, tx Tx, j *regJob) (res registered, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = registered{}, fmt.Errorf("registry: registering under %s panicked: %v\n%s", j.sn.raw, r, debug.Stack())
		}
	}()
	return s.register(ctx, tx, j.sn, j.req, j.pre)
}
