// Package broker is Herald's built-in broker: topics bound to registry subjects,
// validated publish, the Log interface the events are stored through, stream
// reads with positions and consumer groups, queues with leases, retention and the
// observed lineage (who produced and who consumed each topic).
//
// It imports neither gin nor the registry: it validates through the small
// Validator interface, which the server satisfies with the registry and tests
// satisfy with an in-memory fake.
//
// Publishing: the caller's goroutine validates (in parallel across requests);
// one committer goroutine then takes every publish waiting for it and appends
// them to the Log in one transaction (group commit), so many concurrent publishes
// share one fsync. A publish returns only after its transaction committed.
// Readers never hold a lock a publisher needs: a long poll waits on a channel the
// committer closes after each commit, so a slow consumer never blocks a publisher.
//
// # Several instances on one Log
//
// With Config.Shared, other Herald instances append to the same Log
// (PostgreSQL, or JetStream with its metadata in PostgreSQL). The Log is then
// the authority and memory a cache of it:
//   - Topics: a name this broker does not know is looked up in the Log at once
//     (another instance may just have created it: one Stats call, and a
//     reload of the list only when the Log has it), and every TopicRefresh
//     the whole list is reloaded, so a change or a delete made elsewhere is
//     seen within that bound. PutTopic and DeleteTopic reload first, since
//     they decide from memory. A reload never undoes this broker's own
//     change: one that overlapped such a change is read again.
//   - Deduplication: the in-memory window stays the fast path, and before a
//     commit holding an id the window does not know, the committer pulls the
//     ids stored since its last pull (Log.RecentIDs). A retry sent to another
//     instance after the first copy was acknowledged is therefore always a
//     duplicate. Two copies racing through two instances in the same instant
//     can both be stored: exact cross-instance deduplication needs the Log to
//     refuse a known id inside its append transaction, which the Log interface
//     does not offer yet. The pull reads the ids since the last one, so its
//     cost follows the rate of keyed publishes, not the window.
//   - Live tails: a long poll is woken by this broker's commits and, since
//     another instance's commits wake nothing here, also reads the Log again
//     every TailPoll. Queue receives already poll (lease expiry wakes nothing).
//   - Lineage and consumer groups are stored in the Log and read from it.
//
// Lock order: Broker.syncMu, then Broker.mu, then Broker.schemaMu, then Broker.lineageMu. No lock is
// held while calling the Log or the Validator, except that the committer owns the
// deduplication index without a lock (only its goroutine touches it).
package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Broker. Zero values are documented per field.
type Config struct {
	// Log stores the events. Required.
	Log Log
	// Validator resolves subjects and schemas. Required.
	Validator Validator
	// Logger receives background errors. Nil: slog.Default().
	Logger *slog.Logger
	// MaxEventBytes bounds one event (key, value, id and headers). Zero: 1 MiB.
	MaxEventBytes int
	// MaxPublishEvents bounds the events of one publish: a batch is one
	// transaction and one reply. Zero: 10,000.
	MaxPublishEvents int
	// MaxPageBytes bounds the events one read returns by their size
	// (Record.Size): a page ends after the event that reaches it, so an event
	// larger than it still comes, alone. Zero: 16 MiB.
	MaxPageBytes int
	// DedupWindow is how long an event id is remembered. Zero: 2 minutes;
	// negative: no deduplication.
	DedupWindow time.Duration
	// RetentionInterval is how often retention runs. Zero: 1 minute; negative:
	// never in the background (call EnforceRetention).
	RetentionInterval time.Duration
	// SchemaRefresh is how long a subject's version list is trusted before it is
	// asked for again (an unknown schema id asks at once). Zero: 5 seconds.
	SchemaRefresh time.Duration
	// LineageFlush is how often observed lineage is written to the Log. Zero: 5
	// seconds. Lineage also flushes on Close and before Lineage answers.
	LineageFlush time.Duration
	// MaxGroupEvents bounds the events of one group commit. Zero: 20000.
	MaxGroupEvents int
	// SchemaCacheBytes bounds the estimated memory of the parsed schemas the
	// broker keeps for validation. Zero: DefaultSchemaCacheBytes (128 MiB);
	// negative: no bound.
	SchemaCacheBytes int64
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
	// MaxObservations bounds the observed clients kept per topic and role (the
	// least recently seen are dropped): client names come from request headers,
	// so without a bound every read could add a row. Zero: 1000.
	MaxObservations int
	// ObservationTTL drops observed clients not seen for this long. Zero: 30
	// days; negative: kept forever.
	ObservationTTL time.Duration
	// Shared says other Herald instances run on the same Log (PostgreSQL or
	// JetStream): topics are reloaded from it on a miss and every
	// TopicRefresh, deduplication consults the ids it stores, and long polls
	// look at it every TailPoll for events committed elsewhere. See the
	// package comment. False: this broker is the Log's only user.
	Shared bool
	// TopicRefresh (Shared) bounds how stale a topic changed or deleted by
	// another instance stays here. Zero: DefaultTopicRefresh.
	TopicRefresh time.Duration
	// TailPoll (Shared) is how long at most a long poll waits before reading
	// the Log again. Zero: DefaultTailPoll.
	TailPoll time.Duration
}

// Defaults of Config.MaxObservations and Config.ObservationTTL.
const (
	DefaultMaxObservations = 1000
	DefaultObservationTTL  = 30 * 24 * time.Hour
)

// Broker is the built-in broker. It is safe for concurrent use.
type Broker struct {
	cfg  Config
	log  Log
	val  Validator
	logr *slog.Logger
	now  func() time.Time

	// mu protects topics (the configuration cache, by name) and closed.
	mu     sync.RWMutex
	topics map[string]*topicState
	closed bool

	// schemaMu protects subjects, schemas and schemaBytes, the validation
	// caches. schemas is bounded by Config.SchemaCacheBytes of estimated size
	// (schemaBytes is the sum).
	schemaMu    sync.Mutex
	subjects    map[string]*subjectCache
	schemas     map[schemaKey]cachedSchema
	schemaBytes int64

	// lineageMu protects pending (the observations not yet saved), pendingPer
	// (how many clients pending holds per topic and role) and lastExpire (when
	// old observations were last dropped).
	lineageMu  sync.Mutex
	pending    map[obsKey]*Observation
	pendingPer map[topicRole]int
	lastExpire time.Time

	commits       chan *commitReq
	committerDone chan struct{} // closed when the committer returns
	// dedup and lastCommit are owned by the committer goroutine (no lock).
	dedup      *dedupIndex
	lastCommit time.Time
	stop       chan struct{}
	wg         sync.WaitGroup
	// life is the broker's lifetime context: the background work (retention,
	// lineage, deduplication pruning) runs under it, so Close can stop a long
	// trim. Publishes commit under their own context: an acknowledged publish
	// must reach the Log whatever Close does.
	life    context.Context
	endLife context.CancelFunc

	// syncMu serializes topic reloads (Shared) and protects lastSync, when
	// the last reload that was applied started. It is taken before mu.
	syncMu   sync.Mutex
	lastSync time.Time
	// topicGen counts this broker's own topic changes (under mu): a reload
	// that saw it move is stale and is not applied.
	topicGen uint64
	// dedupSynced (owned by the committer) is when the ids other instances
	// stored were last pulled from the Log.
	dedupSynced time.Time

	// waiting counts the long polls (Read, Receive) blocked in await. Only
	// tests read it: they publish once a poll waits, to prove it wakes.
	waiting atomic.Int64

	// rates counts each topic's publishes per minute, for Rates.
	rates rateBook
}

// topicState is a topic's cached configuration and its new-event signal.
type topicState struct {
	Topic
	// notifyMu protects notify.
	notifyMu sync.Mutex
	// notify is closed (and replaced) after every commit that adds events.
	notify chan struct{}
}

// changed returns the channel that the next commit to the topic closes.
func (t *topicState) changed() <-chan struct{} {
	t.notifyMu.Lock()
	defer t.notifyMu.Unlock()
	return t.notify
}

// wake wakes every reader waiting for new events.
func (t *topicState) wake() {
	t.notifyMu.Lock()
	close(t.notify)
	t.notify = make(chan struct{})
	t.notifyMu.Unlock()
}

// New validates cfg, loads the topics and the recent deduplication ids, and
// starts the committer and the background loops.
func New(ctx context.Context, cfg Config) (*Broker, error) {
	if cfg.Log == nil {
		return nil, errors.New("broker: Config.Log is required")
	}
	if cfg.Validator == nil {
		return nil, errors.New("broker: Config.Validator is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxEventBytes == 0 {
		cfg.MaxEventBytes = 1 << 20
	}
	if cfg.MaxEventBytes < 0 {
		return nil, errors.New("broker: Config.MaxEventBytes must not be negative")
	}
	if cfg.MaxPublishEvents == 0 {
		cfg.MaxPublishEvents = 10_000
	}
	if cfg.MaxPublishEvents < 0 {
		return nil, errors.New("broker: Config.MaxPublishEvents must not be negative")
	}
	if cfg.MaxPageBytes == 0 {
		cfg.MaxPageBytes = 16 << 20
	}
	if cfg.MaxPageBytes < 0 {
		return nil, errors.New("broker: Config.MaxPageBytes must not be negative")
	}
	if cfg.DedupWindow == 0 {
		cfg.DedupWindow = 2 * time.Minute
	}
	if cfg.RetentionInterval == 0 {
		cfg.RetentionInterval = time.Minute
	}
	if cfg.SchemaRefresh <= 0 {
		cfg.SchemaRefresh = 5 * time.Second
	}
	if cfg.LineageFlush <= 0 {
		cfg.LineageFlush = 5 * time.Second
	}
	if cfg.SchemaCacheBytes == 0 {
		cfg.SchemaCacheBytes = DefaultSchemaCacheBytes
	}
	if cfg.MaxGroupEvents <= 0 {
		cfg.MaxGroupEvents = 20000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxObservations <= 0 {
		cfg.MaxObservations = DefaultMaxObservations
	}
	if cfg.ObservationTTL == 0 {
		cfg.ObservationTTL = DefaultObservationTTL
	}
	if cfg.TopicRefresh <= 0 {
		cfg.TopicRefresh = DefaultTopicRefresh
	}
	if cfg.TailPoll <= 0 {
		cfg.TailPoll = DefaultTailPoll
	}
	b := &Broker{
		cfg:           cfg,
		log:           cfg.Log,
		val:           cfg.Validator,
		logr:          cfg.Logger,
		now:           cfg.Now,
		topics:        map[string]*topicState{},
		subjects:      map[string]*subjectCache{},
		schemas:       map[schemaKey]cachedSchema{},
		pending:       map[obsKey]*Observation{},
		pendingPer:    map[topicRole]int{},
		commits:       make(chan *commitReq, 4096),
		committerDone: make(chan struct{}),
		dedup:         newDedupIndex(),
		stop:          make(chan struct{}),
	}
	b.life, b.endLife = context.WithCancel(context.Background())
	infos, err := b.log.Topics(ctx)
	if err != nil {
		b.endLife()
		return nil, fmt.Errorf("broker: load topics: %w", err)
	}
	for _, ti := range infos {
		b.topics[ti.Name] = &topicState{Topic: ti.Topic, notify: make(chan struct{})}
	}
	if cfg.DedupWindow > 0 {
		ids, err := b.log.RecentIDs(ctx, b.now().Add(-cfg.DedupWindow))
		if err != nil {
			b.endLife()
			return nil, fmt.Errorf("broker: load deduplication ids: %w", err)
		}
		for _, e := range ids {
			b.dedup.add(e.Topic, e.Key, e.Offset, e.Time)
		}
	}
	b.wg.Add(2)
	go b.committer()
	go b.background()
	return b, nil
}

// Close stops the committer and the background loops after the publishes already
// submitted are committed, and saves pending lineage. Background work under way
// (a long retention trim) is cancelled rather than waited for. It does not close
// the Log.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stop)
	b.endLife()
	b.wg.Wait()
	return b.flushLineage(context.Background())
}

// topic returns a topic's cached state. A shared broker that does not know
// the topic reloads the topics from the Log first: another instance may just
// have created it.
func (b *Broker) topic(ctx context.Context, name string) (*topicState, error) {
	t, err := b.cachedTopic(name)
	if errors.Is(err, ErrTopicNotFound) && b.cfg.Shared {
		// One cheap lookup first: a name nobody created (a typo, a probe)
		// must not cost a reload of every topic.
		if _, serr := b.log.Stats(ctx, name); serr != nil {
			if errors.Is(serr, ErrTopicNotFound) {
				return nil, err
			}
			return nil, serr
		}
		if serr := b.syncTopics(ctx, time.Now()); serr != nil {
			return nil, serr
		}
		t, err = b.cachedTopic(name)
	}
	return t, err
}

// cachedTopic returns a topic's state from memory only.
func (b *Broker) cachedTopic(name string) (*topicState, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return nil, ErrClosed
	}
	t, ok := b.topics[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrTopicNotFound, name)
	}
	return t, nil
}

// PutTopic creates a topic or updates its configuration, idempotently, and
// returns it with CreatedAt and UpdatedAt set (UpdatedAt changes only when the
// configuration does). The subjects must exist and some live version of the
// value subject must be in the allowed range; a dead-letter topic must exist.
// Changing the kind of a topic that holds events is refused. Errors:
// ErrInvalidTopic, ErrSubjectNotFound.
func (b *Broker) PutTopic(ctx context.Context, t Topic) (Topic, error) {
	if err := t.check(); err != nil {
		return Topic{}, err
	}
	if t.Visibility == 0 && t.Kind == Queue {
		t.Visibility = DefaultVisibility
	}
	versions, err := b.versions(ctx, t.ValueSubject, true)
	if err != nil {
		return Topic{}, fmt.Errorf("topic %s: value subject %q: %w", t.Name, t.ValueSubject, err)
	}
	inRange := false
	for _, v := range versions {
		inRange = inRange || t.allows(v.Version)
	}
	if !inRange {
		return Topic{}, fmt.Errorf("%w: topic %s: subject %q has no live version in the allowed range (%s)", ErrInvalidTopic, t.Name, t.ValueSubject, t.versionRange())
	}
	if t.KeySubject != "" {
		if _, err := b.versions(ctx, t.KeySubject, true); err != nil {
			return Topic{}, fmt.Errorf("topic %s: key subject %q: %w", t.Name, t.KeySubject, err)
		}
	}
	if err := b.fresh(ctx); err != nil {
		return Topic{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return Topic{}, ErrClosed
	}
	if t.DeadLetterTopic != "" {
		if _, ok := b.topics[t.DeadLetterTopic]; !ok {
			return Topic{}, fmt.Errorf("%w: topic %s: dead-letter topic %q does not exist: create it first", ErrInvalidTopic, t.Name, t.DeadLetterTopic)
		}
	}
	now := b.now().UTC()
	old, exists := b.topics[t.Name]
	if exists {
		t.CreatedAt, t.UpdatedAt = old.CreatedAt, old.UpdatedAt
		if sameConfig(old.Topic, t) {
			return old.Topic, nil
		}
		if old.Kind != t.Kind {
			st, err := b.log.Stats(ctx, t.Name)
			if err != nil {
				return Topic{}, err
			}
			if st.Events > 0 {
				return Topic{}, fmt.Errorf("%w: topic %s holds %d events: its kind cannot change from %s to %s", ErrInvalidTopic, t.Name, st.Events, old.Kind, t.Kind)
			}
		}
		t.UpdatedAt = now
	} else {
		t.CreatedAt, t.UpdatedAt = now, now
	}
	if err := b.log.PutTopic(ctx, t); err != nil {
		return Topic{}, fmt.Errorf("put topic %s: %w", t.Name, err)
	}
	b.topicGen++
	if exists {
		// Keep the notify channel: readers waiting on it stay valid.
		old.notifyMu.Lock()
		ns := &topicState{Topic: t, notify: old.notify}
		old.notifyMu.Unlock()
		b.topics[t.Name] = ns
	} else {
		b.topics[t.Name] = &topicState{Topic: t, notify: make(chan struct{})}
	}
	return t, nil
}

// sameConfig reports whether two topics have the same configuration.
func sameConfig(a, b Topic) bool {
	a.CreatedAt, a.UpdatedAt, b.CreatedAt, b.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}

// MaxPublishEvents is the most events one Publish takes (Config.MaxPublishEvents),
// for decoders that stop reading a request past it.
func (b *Broker) MaxPublishEvents() int { return b.cfg.MaxPublishEvents }

// TopicConfig returns a topic's configuration from memory, without stats.
// Errors: ErrTopicNotFound.
func (b *Broker) TopicConfig(name string) (Topic, error) {
	// No caller context: a reload on a miss (Shared) is bounded here.
	ctx, cancel := context.WithTimeout(b.life, topicLoadTimeout)
	defer cancel()
	t, err := b.topic(ctx, name)
	if err != nil {
		return Topic{}, err
	}
	return t.Topic, nil
}

// Topic returns one topic with its stats and observed lineage.
// Errors: ErrTopicNotFound.
func (b *Broker) Topic(ctx context.Context, name string) (TopicInfo, error) {
	t, err := b.topic(ctx, name)
	if err != nil {
		return TopicInfo{}, err
	}
	st, err := b.log.Stats(ctx, name)
	if err != nil {
		return TopicInfo{}, err
	}
	info := TopicInfo{Topic: t.Topic, Stats: st}
	obs, err := b.Lineage(ctx)
	if err != nil {
		return TopicInfo{}, err
	}
	info.Producers, info.Consumers = splitLineage(obs, name)
	return info, nil
}

// Topics returns every topic with its stats and observed lineage, by name.
func (b *Broker) Topics(ctx context.Context) ([]TopicInfo, error) {
	b.mu.RLock()
	closed := b.closed
	b.mu.RUnlock()
	if closed {
		return nil, ErrClosed
	}
	infos, err := b.log.Topics(ctx)
	if err != nil {
		return nil, err
	}
	obs, err := b.Lineage(ctx)
	if err != nil {
		return nil, err
	}
	// Grouped once: splitting the whole list per topic is topics × clients.
	byTopic := make(map[string][]Observation, len(infos))
	for _, o := range obs {
		byTopic[o.Topic] = append(byTopic[o.Topic], o)
	}
	for i := range infos {
		infos[i].Producers, infos[i].Consumers = splitLineage(byTopic[infos[i].Name], infos[i].Name)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	return infos, nil
}

// DeleteTopic deletes a topic and everything stored for it. A topic that is
// another topic's dead-letter topic cannot be deleted. Errors: ErrTopicNotFound,
// ErrTopicInUse.
func (b *Broker) DeleteTopic(ctx context.Context, name string) error {
	if err := b.deleteTopic(ctx, name); err != nil {
		return err
	}
	// Forget its deduplication ids, so a new topic of that name starts clean.
	_, err := b.submit(ctx, &commitReq{forget: name, done: make(chan commitRes, 1)})
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}

func (b *Broker) deleteTopic(ctx context.Context, name string) error {
	if err := b.fresh(ctx); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	t, ok := b.topics[name]
	if !ok {
		return fmt.Errorf("%w: %s", ErrTopicNotFound, name)
	}
	for _, o := range b.topics {
		if o.DeadLetterTopic == name && o.Name != name {
			return fmt.Errorf("%w: topic %s is the dead-letter topic of %s: change or delete %s first", ErrTopicInUse, name, o.Name, o.Name)
		}
	}
	if err := b.log.DeleteTopic(ctx, name); err != nil {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	delete(b.topics, name)
	b.rates.forget(name)
	b.topicGen++
	t.wake()
	return nil
}
