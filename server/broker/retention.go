package broker

import (
	"context"
	"fmt"
	"time"
)

// EnforceRetention trims every topic with retention limits now and returns how
// many events it dropped. The background loop calls it every
// Config.RetentionInterval.
func (b *Broker) EnforceRetention(ctx context.Context) (int64, error) {
	b.mu.RLock()
	var todo []Topic
	for _, t := range b.topics {
		if t.Retention != (Retention{}) {
			todo = append(todo, t.Topic)
		}
	}
	b.mu.RUnlock()
	var total int64
	now := b.now().UTC()
	for _, t := range todo {
		r := TrimRequest{MaxEvents: t.Retention.MaxEvents, MaxBytes: t.Retention.MaxBytes}
		if t.Retention.MaxAge > 0 {
			r.Before = now.Add(-t.Retention.MaxAge)
		}
		n, err := b.log.Trim(ctx, t.Name, r)
		if err != nil {
			return total, fmt.Errorf("retention of %s: %w", t.Name, err)
		}
		total += n
	}
	return total, nil
}

// background runs retention, saves lineage and (Shared) reloads the topics
// until Close.
func (b *Broker) background() {
	defer b.wg.Done()
	ret := make(<-chan time.Time)
	if b.cfg.RetentionInterval > 0 {
		t := time.NewTicker(b.cfg.RetentionInterval)
		defer t.Stop()
		ret = t.C
	}
	lin := time.NewTicker(b.cfg.LineageFlush)
	defer lin.Stop()
	refresh := make(<-chan time.Time)
	if b.cfg.Shared {
		t := time.NewTicker(b.cfg.TopicRefresh)
		defer t.Stop()
		refresh = t.C
	}
	ctx := b.life
	for {
		select {
		case <-ret:
			if _, err := b.EnforceRetention(ctx); err != nil && ctx.Err() == nil {
				b.logr.Error("broker: retention", "err", err)
			}
		case <-lin.C:
			if err := b.flushLineage(ctx); err != nil {
				b.logr.Error("broker: lineage", "err", err)
			}
		case <-refresh:
			b.refreshTopics(ctx)
		case <-b.stop:
			return
		}
	}
}
