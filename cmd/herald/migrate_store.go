package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogdb"
	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/pgstore"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// migrateOptions are the flags of `herald migrate-store`.
type migrateOptions struct {
	// From is the single-node registry file (herald.db); the catalog and the
	// broker log are its siblings (herald-catalog.db, herald-broker.db).
	From string
	// To is the PostgreSQL URL every store is copied into.
	To string
	// Events also copies the retained events and queue messages.
	Events bool
	// JetStream (--broker) puts the copied stream events on JetStream, as
	// `herald serve --broker` would read them.
	JetStream *jetStreamFlags
}

// migrateBatch is how many events one Append copies: each batch is one
// transaction, so an interrupted copy resumes after the last whole batch.
const migrateBatch = 500

// migrateReadBytes bounds one read of the source log, as the broker bounds a
// page: 500 events of a megabyte each are not read at once.
const migrateReadBytes = 16 << 20

// newMigrateStoreCmd builds `herald migrate-store`.
func newMigrateStoreCmd() *cobra.Command {
	opts := migrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate-store --from herald.db --to postgres://… [--events [--broker nats://…]]",
		Short: "Copy a single-node installation (SQLite files) into PostgreSQL, to scale out",
		Long: `Copy what a single-node Herald keeps in its SQLite files into a PostgreSQL
database, through the same stores "herald serve --db postgres://…" uses:

  registry  every schema with its id, every subject version (soft-deleted ones
            too), the id counters, and the config and mode of every level
  catalog   the applied catalog (herald-catalog.db next to --from)
  broker    topic definitions, consumer group offsets and observed lineage
            (herald-broker.db next to --from); with --events also the
            retained events and queue messages, into PostgreSQL or, with
            --broker, into NATS JetStream

Stop the Herald that uses --from first, and start the new instances after the
copy. A copy is resumable: run it again after an interruption and it skips
what the target already holds (events resume after the last whole batch of
` + fmt.Sprint(migrateBatch) + `). It refuses to overwrite different data: an id, a version, a
topic or a catalog the target holds differently is an error naming it. At
the end it counts both sides and fails when they differ.

Event offsets start again from the target's first offset; consumer group
offsets are moved with them (without --events, groups start at the end).
Events keep their ids, keys, headers and schema ids; on JetStream their time
becomes the copy's (JetStream stamps each message as it stores it). Queue
messages come back visible, with no delivery counted.`,
		Args: cobra.NoArgs,
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "the single-node registry database file (herald.db; required)")
	fl.StringVar(&opts.To, "to", "", "the PostgreSQL URL to copy into (postgres://user@host:5432/herald; required)")
	fl.BoolVar(&opts.Events, "events", false, "also copy the retained events and queue messages")
	opts.JetStream = addJetStreamFlags(fl)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
		log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
		return migrateStore(cmd.Context(), opts, cmd.OutOrStdout(), log)
	}
	return cmd
}

// migrateStore copies the stores at opts.From into opts.To and verifies the
// counts, reporting each step to out.
func migrateStore(ctx context.Context, opts migrateOptions, out io.Writer, log *slog.Logger) error {
	if opts.From == "" || opts.To == "" {
		return usageErrorf("--from and --to are required")
	}
	if !pgstore.IsURL(opts.To) {
		return usageErrorf("--to %q: want a postgres:// URL", opts.To)
	}
	if pgstore.IsURL(opts.From) {
		return usageErrorf("--from %s: want the SQLite file of a single-node Herald", pgstore.Redact(opts.From))
	}
	if _, err := os.Stat(opts.From); err != nil {
		return usageErrorf("--from: %v", err)
	}
	if opts.JetStream != nil && opts.JetStream.URLs != "" && !opts.Events {
		return usageErrorf("--broker only says where --events go: add --events, or leave --broker out")
	}
	// The source must hold still: a Herald still serving it would write
	// while it is read.
	for _, what := range []string{"", "catalog", "broker"} {
		p := opts.From
		if what != "" {
			var ok bool
			if p, ok = siblingExists(opts.From, what); !ok {
				continue
			}
		}
		lk, err := dbfile.Lock(p)
		if err != nil {
			return fmt.Errorf("--from: stop the Herald using it first: %w", err)
		}
		defer func() { _ = lk.Close() }() // releases the lock; nothing to flush
	}
	if err := migrateRegistry(ctx, opts, out); err != nil {
		return err
	}
	if err := migrateCatalog(ctx, opts, out); err != nil {
		return err
	}
	return migrateBroker(ctx, opts, out, log)
}

// siblingExists returns the path of the store next to --from named for what,
// and whether it exists (a Herald that never used that part has none).
func siblingExists(from, what string) (string, bool) {
	p := siblingDBPath("", from, what)
	_, err := os.Stat(p)
	return p, err == nil
}

// registryCounts is what a registry copy did.
type registryCounts struct {
	schemas, versions, settings int // copied
	skipped                     int // already in the target
}

// migrateRegistry copies the registry in one transaction: a failure leaves
// the target as it was.
func migrateRegistry(ctx context.Context, opts migrateOptions, out io.Writer) error {
	src, err := registrydb.Open(ctx, opts.From)
	if err != nil {
		return fmt.Errorf("registry %s: %w", opts.From, err)
	}
	defer func() { _ = src.Close() }() // read only
	dst, err := registrydb.OpenPostgres(ctx, opts.To)
	if err != nil {
		return fmt.Errorf("registry %s: %w", pgstore.Redact(opts.To), err)
	}
	defer func() { _ = dst.Close() }() // committed by Update or not at all
	versions, err := src.ListVersions(ctx, "", "")
	if err != nil {
		return fmt.Errorf("registry: list versions: %w", err)
	}
	contexts, err := src.Contexts(ctx)
	if err != nil {
		return fmt.Errorf("registry: contexts: %w", err)
	}
	var n registryCounts
	err = dst.Update(ctx, func(tx registry.Tx) error {
		n = registryCounts{}
		return copyRegistry(ctx, src, tx, contexts, versions, &n)
	})
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	// Verify: every source version is in the target with its id.
	got, err := dst.ListVersions(ctx, "", "")
	if err != nil {
		return fmt.Errorf("registry: verify: %w", err)
	}
	have := make(map[registry.VersionKey]int, len(got))
	for _, v := range got {
		have[v.Key()] = v.ID
	}
	for _, v := range versions {
		if id, ok := have[v.Key()]; !ok || id != v.ID {
			return fmt.Errorf("registry: verify: %s version %d (id %d) is not in the target after the copy", qualified(v.Context, v.Subject), v.Version, v.ID)
		}
	}
	_, _ = fmt.Fprintf(out, "registry: %d schemas, %d versions, %d configs and modes copied; %d already there; verified %d versions\n",
		n.schemas, n.versions, n.settings, n.skipped, len(versions))
	return nil
}

// copyRegistry writes the source's schemas, versions, id counters, configs
// and modes into tx, skipping what tx already holds the same.
func copyRegistry(ctx context.Context, src registry.Reader, tx registry.Tx, contexts []string, versions []registry.VersionRecord, n *registryCounts) error {
	type ctxID struct {
		context string
		id      int
	}
	ids := map[ctxID]bool{}
	scopes := []registry.Scope{registry.Global}
	seenScope := map[registry.Scope]bool{registry.Global: true}
	addScope := func(s registry.Scope) {
		if !seenScope[s] {
			seenScope[s] = true
			scopes = append(scopes, s)
		}
	}
	for _, c := range contexts {
		addScope(registry.Scope{Context: c})
	}
	for _, v := range versions {
		ids[ctxID{v.Context, v.ID}] = true
		addScope(registry.Scope{Context: v.Context})
		addScope(registry.Scope{Context: v.Context, Subject: v.Subject})
	}
	// Id counters first: a hard-deleted id is never handed out again.
	for _, s := range scopes {
		if s.Subject != "" || s.Context == registry.GlobalContext {
			continue
		}
		max, err := src.MaxID(ctx, s.Context)
		if err != nil {
			return fmt.Errorf("id counter of %s: %w", s.Context, err)
		}
		if max > 0 {
			if err := tx.ReserveID(ctx, s.Context, max); err != nil {
				return fmt.Errorf("id counter of %s: %w", s.Context, err)
			}
		}
	}
	keys := make([]ctxID, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].context != keys[j].context {
			return keys[i].context < keys[j].context
		}
		return keys[i].id < keys[j].id
	})
	for _, k := range keys {
		rec, err := src.Schema(ctx, k.context, k.id)
		if err != nil {
			return fmt.Errorf("schema %d in %s: %w", k.id, k.context, err)
		}
		have, err := tx.Schema(ctx, k.context, k.id)
		switch {
		case err == nil && have.Hash == rec.Hash:
			n.skipped++
			continue
		case err == nil:
			return fmt.Errorf("schema id %d in context %s: the target holds another schema under it: copy into an empty database", k.id, k.context)
		case !errors.Is(err, registry.ErrSchemaNotFound):
			return err
		}
		if err := tx.InsertSchema(ctx, rec); err != nil {
			return fmt.Errorf("schema %d in %s: %w", k.id, k.context, err)
		}
		n.schemas++
	}
	for _, v := range versions {
		if err := copyVersion(ctx, tx, v, n); err != nil {
			return err
		}
	}
	for _, s := range scopes {
		if err := copySettings(ctx, src, tx, s, n); err != nil {
			return fmt.Errorf("settings of %s: %w", scopeName(s), err)
		}
	}
	return nil
}

// copyVersion inserts one subject version unless the target has it.
func copyVersion(ctx context.Context, tx registry.Tx, v registry.VersionRecord, n *registryCounts) error {
	have, err := tx.SubjectVersions(ctx, v.Context, v.Subject)
	if err != nil {
		return err
	}
	for _, h := range have {
		if h.Version != v.Version {
			continue
		}
		if h.ID != v.ID {
			return fmt.Errorf("%s version %d: the target has id %d where the source has %d: copy into an empty database", qualified(v.Context, v.Subject), v.Version, h.ID, v.ID)
		}
		if h.Deleted != v.Deleted {
			if err := tx.SetDeleted(ctx, v.Key(), v.Deleted); err != nil {
				return err
			}
		}
		n.skipped++
		return nil
	}
	if err := tx.InsertVersion(ctx, v); err != nil {
		return fmt.Errorf("%s version %d: %w", qualified(v.Context, v.Subject), v.Version, err)
	}
	n.versions++
	return nil
}

// copySettings copies the config and the mode set at one scope.
func copySettings(ctx context.Context, src registry.Reader, tx registry.Tx, s registry.Scope, n *registryCounts) error {
	if err := copySetting(ctx, s, src.Config, tx.Config, tx.PutConfig, registry.ErrSubjectConfigNotFound, n); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := copySetting(ctx, s, src.Mode, tx.Mode, tx.PutMode, registry.ErrSubjectModeNotFound, n); err != nil {
		return fmt.Errorf("mode: %w", err)
	}
	return nil
}

// copySetting copies one setting (a config or a mode) at scope s from get to
// put, unless the source sets none (notFound) or the target, read with have,
// already holds the same.
func copySetting[T any](ctx context.Context, s registry.Scope, get, have func(context.Context, registry.Scope) (T, error),
	put func(context.Context, registry.Scope, T) error, notFound error, n *registryCounts) error {
	v, err := get(ctx, s)
	if errors.Is(err, notFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if h, err := have(ctx, s); err == nil && reflect.DeepEqual(h, v) {
		n.skipped++
		return nil
	}
	if err := put(ctx, s, v); err != nil {
		return err
	}
	n.settings++
	return nil
}

// qualified renders a subject with its context the way the API names it.
func qualified(context, subject string) string {
	if context == registry.DefaultContext {
		return subject
	}
	return ":" + context + ":" + subject
}

func scopeName(s registry.Scope) string {
	switch {
	case s == registry.Global:
		return "the global level"
	case s.Subject == "":
		return "context " + s.Context
	}
	return "subject " + qualified(s.Context, s.Subject)
}

// migrateCatalog copies the applied catalog, if there is one, into an empty
// target catalog (or finds the same one there).
func migrateCatalog(ctx context.Context, opts migrateOptions, out io.Writer) error {
	path, ok := siblingExists(opts.From, "catalog")
	if !ok {
		_, _ = fmt.Fprintf(out, "catalog: no %s: nothing to copy\n", path)
		return nil
	}
	src, err := catalogdb.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("catalog %s: %w", path, err)
	}
	defer func() { _ = src.Close() }() // read only
	doc, rev, err := src.Load(ctx)
	if err != nil {
		return fmt.Errorf("catalog %s: %w", path, err)
	}
	if rev.Number == 0 {
		_, _ = fmt.Fprintln(out, "catalog: empty: nothing to copy")
		return nil
	}
	dst, err := catalogdb.OpenPostgres(ctx, opts.To)
	if err != nil {
		return fmt.Errorf("catalog %s: %w", pgstore.Redact(opts.To), err)
	}
	defer func() { _ = dst.Close() }() // Save commits or not at all
	have, hrev, err := dst.Load(ctx)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	switch {
	case hrev.Number != 0 && sameCatalog(have, doc):
		_, _ = fmt.Fprintln(out, "catalog: already there")
		return nil
	case hrev.Number != 0:
		return errors.New("catalog: the target already holds a different catalog: copy into an empty database")
	}
	if _, err := dst.Save(ctx, doc); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	have, _, err = dst.Load(ctx)
	if err != nil {
		return fmt.Errorf("catalog: verify: %w", err)
	}
	if !sameCatalog(have, doc) {
		return errors.New("catalog: verify: the target's catalog differs from the source's after the copy")
	}
	_, _ = fmt.Fprintln(out, "catalog: copied and verified")
	return nil
}

// sameCatalog compares two catalogs by content.
func sameCatalog(a, b *catalog.Document) bool { return reflect.DeepEqual(a, b) }

// migrateBroker copies topic definitions, lineage, group offsets and (with
// --events) events.
func migrateBroker(ctx context.Context, opts migrateOptions, out io.Writer, log *slog.Logger) error {
	path, ok := siblingExists(opts.From, "broker")
	if !ok {
		_, _ = fmt.Fprintf(out, "broker: no %s: nothing to copy\n", path)
		return nil
	}
	src, err := brokerdb.Open(ctx, path, brokerdb.Options{Synchronous: "NORMAL"})
	if err != nil {
		return fmt.Errorf("broker %s: %w", path, err)
	}
	defer func() { _ = src.Close() }() // read only
	meta, err := brokerdb.OpenPostgres(ctx, opts.To)
	if err != nil {
		return fmt.Errorf("broker %s: %w", pgstore.Redact(opts.To), err)
	}
	defer func() { _ = meta.Close() }() // every write committed on return
	maxEvent := 0
	dst, js, err := openJetStream(ctx, opts.JetStream, meta, opts.To, &maxEvent, log)
	if err != nil {
		return err
	}
	defer func() { _ = closeJetStream(js) }()
	return copyBroker(ctx, src, dst, opts.Events, out)
}

// copyBroker copies one broker Log into another.
func copyBroker(ctx context.Context, src, dst broker.Log, events bool, out io.Writer) error {
	topics, err := src.Topics(ctx)
	if err != nil {
		return fmt.Errorf("broker: topics: %w", err)
	}
	existing, err := dst.Topics(ctx)
	if err != nil {
		return fmt.Errorf("broker: target topics: %w", err)
	}
	have := make(map[string]broker.Topic, len(existing))
	for _, t := range existing {
		have[t.Name] = t.Topic
	}
	var made, skipped, groups int
	var copied int64
	for _, t := range topics {
		if h, ok := have[t.Name]; ok {
			if !sameDefinition(h, t.Topic) {
				return fmt.Errorf("broker: topic %s: the target defines it differently: copy into an empty database", t.Name)
			}
			skipped++
		} else {
			if err := dst.PutTopic(ctx, t.Topic); err != nil {
				return fmt.Errorf("broker: topic %s: %w", t.Name, err)
			}
			made++
		}
		n, g, err := copyTopicData(ctx, src, dst, t, events)
		if err != nil {
			return fmt.Errorf("broker: topic %s: %w", t.Name, err)
		}
		copied += n
		groups += g
	}
	obs, err := copyLineage(ctx, src, dst)
	if err != nil {
		return fmt.Errorf("broker: lineage: %w", err)
	}
	// Verify: every topic is there and, with --events, holds as many events.
	for _, t := range topics {
		st, err := dst.Stats(ctx, t.Name)
		if err != nil {
			return fmt.Errorf("broker: verify topic %s: %w", t.Name, err)
		}
		if events && st.Events != t.Events {
			return fmt.Errorf("broker: verify topic %s: the target holds %d events, the source %d", t.Name, st.Events, t.Events)
		}
	}
	_, _ = fmt.Fprintf(out, "broker: %d topics created, %d already there; %d group offsets; %d observed clients; %d events copied", made, skipped, groups, obs, copied)
	if events {
		_, _ = fmt.Fprintf(out, "; verified %d topics and their event counts\n", len(topics))
	} else {
		_, _ = fmt.Fprintf(out, "; verified %d topics (events not copied: add --events)\n", len(topics))
	}
	return nil
}

// sameDefinition compares two topics' configurations, not their times.
func sameDefinition(a, b broker.Topic) bool {
	a.CreatedAt, a.UpdatedAt, b.CreatedAt, b.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}

// copyTopicData copies a topic's events (with events) after those an earlier
// run copied, and its groups' offsets moved to the target's offsets. It
// returns how many events and group offsets it wrote.
//
// The target topic is filled by this command only, from empty, so it holds
// the first k source events, at offsets base..base+k-1 (base: where the
// target's numbering starts). A group at source offset o has read the source
// events before o; at the target it is at base plus how many there are.
func copyTopicData(ctx context.Context, src, dst broker.Log, t broker.TopicInfo, events bool) (int64, int, error) {
	st, err := dst.Stats(ctx, t.Name)
	if err != nil {
		return 0, 0, err
	}
	done := st.Events // already copied by an earlier run
	base := st.NextOffset - done
	if !events {
		done = 0
	}
	if done > t.Events {
		return 0, 0, fmt.Errorf("the target holds %d events, more than the source's %d: it was not filled by migrate-store", done, t.Events)
	}
	var commits []broker.GroupCommit
	if t.Kind == broker.Stream {
		if commits, err = src.GroupsOf(ctx, t.Name); err != nil {
			return 0, 0, err
		}
		sort.Slice(commits, func(i, j int) bool { return commits[i].Offset < commits[j].Offset })
	}
	moved := make([]int64, len(commits)) // target offsets, parallel to commits
	for i := range moved {
		moved[i] = st.NextOffset // without --events: at the end
	}
	var copied int64
	if events {
		placed := make([]bool, len(commits))
		copied, err = copyEvents(ctx, src, dst, t, done, func(pos, off int64) {
			for i := range commits {
				if !placed[i] && commits[i].Offset <= off {
					moved[i], placed[i] = base+pos, true // it had read pos events before off
				}
			}
		})
		if err != nil {
			return copied, 0, err
		}
		for i := range commits {
			if !placed[i] {
				moved[i] = base + done + copied // at or past the source's end
			}
		}
	}
	byGroup := map[string][]broker.GroupOffset{}
	for i, c := range commits {
		byGroup[c.Group] = append(byGroup[c.Group], broker.GroupOffset{Topic: t.Name, Offset: moved[i]})
	}
	for g, offs := range byGroup {
		if err := dst.CommitOffsets(ctx, g, offs); err != nil {
			return copied, 0, fmt.Errorf("group %s: %w", g, err)
		}
	}
	return copied, len(commits), nil
}

// copyEvents appends the source's events after the first done ones to dst in
// batches of migrateBatch, calling at(pos, offset) for every source event
// (pos counts from 0) before it is copied. It returns how many it appended.
func copyEvents(ctx context.Context, src, dst broker.Log, t broker.TopicInfo, done int64, at func(pos, off int64)) (int64, error) {
	var pos, copied int64
	batch := make([]broker.Record, 0, migrateBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := dst.Append(ctx, []broker.Batch{{Topic: t.Name, Records: batch, Queue: t.Kind == broker.Queue}}); err != nil {
			return err
		}
		copied += int64(len(batch))
		batch = batch[:0]
		return nil
	}
	for from := int64(0); ; {
		recs, err := src.Read(ctx, t.Name, from, migrateBatch, migrateReadBytes)
		if err != nil {
			return copied, err
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			at(pos, r.Offset)
			if pos >= done {
				r.Deliveries, r.AckID = 0, broker.AckID{}
				batch = append(batch, r)
				if len(batch) == migrateBatch {
					if err := flush(); err != nil {
						return copied, err
					}
				}
			}
			pos++
		}
		from = recs[len(recs)-1].Offset + 1
	}
	return copied, flush()
}

// copyLineage copies the observed producers and consumers into a target that
// has none (they add up when saved, so a second copy would double them).
func copyLineage(ctx context.Context, src, dst broker.Log) (int, error) {
	have, err := dst.Observations(ctx)
	if err != nil || len(have) > 0 {
		return 0, err
	}
	obs, err := src.Observations(ctx)
	if err != nil || len(obs) == 0 {
		return 0, err
	}
	return len(obs), dst.SaveObservations(ctx, obs)
}
