package e2e

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
	ckjson "github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/jsonschema"
	ckproto "github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/protobuf"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/protobuf"
)

const (
	userV1  = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}`
	userV2  = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"email","type":"string","default":""}]}`
	userBad = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"age","type":"int"}]}`
)

// TestFranzGo drives Herald with franz-go's pkg/sr client.
func TestFranzGo(t *testing.T) {
	t.Parallel()
	m := startHerald(t, filepath.Join(t.TempDir(), "herald.db"))
	ctx := context.Background()
	cl := srClient(t, m)

	// Register, re-register (idempotent), look up, read back.
	ss, err := cl.CreateSchema(ctx, "users-value", sr.Schema{Schema: userV1})
	if err != nil {
		t.Fatal(err)
	}
	if ss.ID != 1 || ss.Version != 1 || ss.Subject != "users-value" || ss.Type != sr.TypeAvro {
		t.Errorf("CreateSchema = %+v", ss)
	}
	if id, err := cl.RegisterSchema(ctx, "users-value", sr.Schema{Schema: userV1}, -1, -1); err != nil || id != 1 {
		t.Errorf("re-register: %d, %v", id, err)
	}
	got, err := cl.LookupSchema(ctx, "users-value", sr.Schema{Schema: userV1})
	if err != nil || got.ID != 1 || got.Version != 1 {
		t.Errorf("LookupSchema = %+v, %v", got, err)
	}
	byID, err := cl.SchemaByID(ctx, 1)
	if err != nil || byID.Schema != userV1 || byID.Type != sr.TypeAvro {
		t.Errorf("SchemaByID = %+v, %v", byID, err)
	}
	if text, err := cl.SchemaTextByID(ctx, 1); err != nil || text != userV1 {
		t.Errorf("SchemaTextByID = %q, %v", text, err)
	}
	if subs, err := cl.Subjects(ctx); err != nil || !slices.Equal(subs, []string{"users-value"}) {
		t.Errorf("Subjects = %v, %v", subs, err)
	}
	types, err := cl.SupportedTypes(ctx)
	if err != nil || len(types) != 3 {
		t.Errorf("SupportedTypes = %v, %v", types, err)
	}

	// Compatibility checks and a refused registration.
	if res, err := cl.CheckCompatibility(ctx, "users-value", -1, sr.Schema{Schema: userV2}); err != nil || !res.Is {
		t.Errorf("check v2 = %+v, %v", res, err)
	}
	if res, err := cl.CheckCompatibility(ctx, "users-value", -2, sr.Schema{Schema: userBad}); err != nil || res.Is {
		t.Errorf("check bad = %+v, %v", res, err)
	}
	_, err = cl.CreateSchema(ctx, "users-value", sr.Schema{Schema: userBad})
	var re *sr.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusConflict || re.ErrorCode != 409 {
		t.Errorf("incompatible register: %v", err)
	}
	if _, err := cl.CreateSchema(ctx, "users-value", sr.Schema{Schema: userV2}); err != nil {
		t.Fatal(err)
	}
	if vs, err := cl.SubjectVersions(ctx, "users-value"); err != nil || !slices.Equal(vs, []int{1, 2}) {
		t.Errorf("SubjectVersions = %v, %v", vs, err)
	}
	latest, err := cl.SchemaByVersion(ctx, "users-value", -1)
	if err != nil || latest.Version != 2 || latest.Schema.Schema != userV2 {
		t.Errorf("latest = %+v, %v", latest, err)
	}
	usages, err := cl.SchemaUsagesByID(ctx, 2)
	if err != nil || len(usages) != 1 || usages[0].Subject != "users-value" || usages[0].Version != 2 {
		t.Errorf("SchemaUsagesByID = %+v, %v", usages, err)
	}

	// Configs.
	res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatFullTransitive}, "users-value")
	if res[0].Err != nil || res[0].Level != sr.CompatFullTransitive {
		t.Errorf("SetCompatibility = %+v", res[0])
	}
	if res := cl.Compatibility(ctx, "users-value"); res[0].Err != nil || res[0].Level != sr.CompatFullTransitive {
		t.Errorf("Compatibility = %+v", res[0])
	}
	if res := cl.Compatibility(ctx); res[0].Err != nil || res[0].Level != sr.CompatBackward {
		t.Errorf("global Compatibility = %+v", res[0])
	}
	if res := cl.ResetCompatibility(ctx, "users-value"); res[0].Err != nil {
		t.Errorf("ResetCompatibility = %+v", res[0])
	}
	if res := cl.Compatibility(ctx, "users-value"); !errors.As(res[0].Err, &re) || re.ErrorCode != 40408 {
		t.Errorf("Compatibility after reset = %+v", res[0])
	}

	// Modes.
	if res := cl.SetMode(ctx, sr.ModeReadOnly, "users-value"); res[0].Err != nil || res[0].Mode != sr.ModeReadOnly {
		t.Errorf("SetMode = %+v", res[0])
	}
	if res := cl.Mode(ctx, "users-value"); res[0].Err != nil || res[0].Mode != sr.ModeReadOnly {
		t.Errorf("Mode = %+v", res[0])
	}
	_, err = cl.CreateSchema(ctx, "users-value", sr.Schema{Schema: `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"n","type":"int","default":1}]}`})
	if !errors.As(err, &re) || re.ErrorCode != 42205 {
		t.Errorf("register in READONLY: %v", err)
	}
	if res := cl.ResetMode(ctx, "users-value"); res[0].Err != nil {
		t.Errorf("ResetMode = %+v", res[0])
	}
	if res := cl.Mode(ctx); res[0].Err != nil || res[0].Mode != sr.ModeReadWrite {
		t.Errorf("global Mode = %+v", res[0])
	}

	// Deletes.
	if err := cl.DeleteSchema(ctx, "users-value", 2, sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	if err := cl.DeleteSchema(ctx, "users-value", 2, sr.HardDelete); err != nil {
		t.Fatal(err)
	}
	if vs, err := cl.DeleteSubject(ctx, "users-value", sr.SoftDelete); err != nil || !slices.Equal(vs, []int{1}) {
		t.Errorf("DeleteSubject soft = %v, %v", vs, err)
	}
	if _, err := cl.DeleteSubject(ctx, "users-value", sr.HardDelete); err != nil {
		t.Fatal(err)
	}
	if subs, err := cl.Subjects(ctx); err != nil || len(subs) != 0 {
		t.Errorf("Subjects after delete = %v, %v", subs, err)
	}

	// Contexts, through franz-go's /contexts/{ctx} prefix.
	sctx := sr.InContext(ctx, ".staging")
	ss, err = cl.CreateSchema(sctx, "orders", sr.Schema{Schema: userV1})
	if err != nil {
		t.Fatal(err)
	}
	if ss.ID != 1 {
		t.Errorf("first id in a new context = %d, want 1", ss.ID)
	}
	if cs, err := cl.Contexts(ctx); err != nil || !slices.Equal(cs, []string{".", ".staging"}) {
		t.Errorf("Contexts = %v, %v", cs, err)
	}
	if vs, err := cl.SubjectVersions(sctx, "orders"); err != nil || !slices.Equal(vs, []int{1}) {
		t.Errorf("SubjectVersions in context = %v, %v", vs, err)
	}
	if s, err := cl.SchemaByID(sctx, 1); err != nil || s.Schema != userV1 {
		t.Errorf("SchemaByID in context = %+v, %v", s, err)
	}
	if res := cl.SetCompatibility(sctx, sr.SetCompatibility{Level: sr.CompatNone}, "orders"); res[0].Err != nil {
		t.Errorf("SetCompatibility in context: %v", res[0].Err)
	}
	if res := cl.Compatibility(ctx, ":.staging:orders"); res[0].Err != nil || res[0].Level != sr.CompatNone {
		t.Errorf("qualified Compatibility = %+v", res[0])
	}
	err = cl.DeleteContext(ctx, ".staging")
	if !errors.As(err, &re) || re.ErrorCode != 42211 {
		t.Errorf("DeleteContext non-empty: %v", err)
	}
	if _, err := cl.DeleteSubject(sctx, "orders", sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.DeleteSubject(sctx, "orders", sr.HardDelete); err != nil {
		t.Fatal(err)
	}
	if err := cl.DeleteContext(ctx, ".staging"); err != nil {
		t.Errorf("DeleteContext: %v", err)
	}
}

// TestConfluentClient drives Herald with confluent-kafka-go's schemaregistry client.
func TestConfluentClient(t *testing.T) {
	t.Parallel()
	m := startHerald(t, filepath.Join(t.TempDir(), "herald.db"))
	c, err := schemaregistry.NewClient(schemaregistry.NewConfig(m.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	id, err := c.Register("users-value", schemaregistry.SchemaInfo{Schema: userV1}, false)
	if err != nil || id != 1 {
		t.Fatalf("Register = %d, %v", id, err)
	}
	if id, err := c.GetID("users-value", schemaregistry.SchemaInfo{Schema: userV1}, false); err != nil || id != 1 {
		t.Errorf("GetID = %d, %v", id, err)
	}
	if v, err := c.GetVersion("users-value", schemaregistry.SchemaInfo{Schema: userV1}, false); err != nil || v != 1 {
		t.Errorf("GetVersion = %d, %v", v, err)
	}
	if ok, err := c.TestCompatibility("users-value", 1, schemaregistry.SchemaInfo{Schema: userBad}); err != nil || ok {
		t.Errorf("TestCompatibility bad = %v, %v", ok, err)
	}
	if ok, err := c.TestSubjectCompatibility("users-value", schemaregistry.SchemaInfo{Schema: userV2}); err != nil || !ok {
		t.Errorf("TestSubjectCompatibility v2 = %v, %v", ok, err)
	}
	if _, err := c.Register("users-value", schemaregistry.SchemaInfo{Schema: userBad}, false); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("incompatible Register: %v", err)
	}
	if _, err := c.Register("users-value", schemaregistry.SchemaInfo{Schema: userV2}, false); err != nil {
		t.Fatal(err)
	}
	md, err := c.GetLatestSchemaMetadata("users-value")
	if err != nil || md.Version != 2 || md.ID != 2 || md.Schema != userV2 {
		t.Errorf("GetLatestSchemaMetadata = %+v, %v", md, err)
	}
	if vs, err := c.GetAllVersions("users-value"); err != nil || !slices.Equal(vs, []int{1, 2}) {
		t.Errorf("GetAllVersions = %v, %v", vs, err)
	}
	if svs, err := c.GetSubjectsAndVersionsByID(2); err != nil || len(svs) != 1 || svs[0].Version != 2 {
		t.Errorf("GetSubjectsAndVersionsByID = %v, %v", svs, err)
	}
	if info, err := c.GetBySubjectAndID("", 1); err != nil || info.Schema != userV1 {
		t.Errorf("GetBySubjectAndID = %+v, %v", info, err)
	}
	if lvl, err := c.UpdateCompatibility("users-value", schemaregistry.Full); err != nil || lvl != schemaregistry.Full {
		t.Errorf("UpdateCompatibility = %v, %v", lvl, err)
	}
	if lvl, err := c.GetCompatibility("users-value"); err != nil || lvl != schemaregistry.Full {
		t.Errorf("GetCompatibility = %v, %v", lvl, err)
	}
	if lvl, err := c.UpdateDefaultCompatibility(schemaregistry.BackwardTransitive); err != nil || lvl != schemaregistry.BackwardTransitive {
		t.Errorf("UpdateDefaultCompatibility = %v, %v", lvl, err)
	}
	if lvl, err := c.GetDefaultCompatibility(); err != nil || lvl != schemaregistry.BackwardTransitive {
		t.Errorf("GetDefaultCompatibility = %v, %v", lvl, err)
	}
	if cfg, err := c.GetConfig("other", true); err != nil || cfg.CompatibilityLevel != schemaregistry.BackwardTransitive {
		t.Errorf("GetConfig defaultToGlobal = %+v, %v", cfg, err)
	}
	if subs, err := c.GetAllSubjects(); err != nil || !slices.Equal(subs, []string{"users-value"}) {
		t.Errorf("GetAllSubjects = %v, %v", subs, err)
	}
	if cs, err := c.GetAllContexts(); err != nil || !slices.Equal(cs, []string{"."}) {
		t.Errorf("GetAllContexts = %v, %v", cs, err)
	}
	if n, err := c.DeleteSubjectVersion("users-value", 2, false); err != nil || n != 2 {
		t.Errorf("DeleteSubjectVersion = %d, %v", n, err)
	}
	if vs, err := c.DeleteSubject("users-value", false); err != nil || !slices.Equal(vs, []int{1}) {
		t.Errorf("DeleteSubject = %v, %v", vs, err)
	}
	if vs, err := c.DeleteSubject("users-value", true); err != nil || !slices.Equal(vs, []int{1, 2}) {
		t.Errorf("DeleteSubject permanent = %v, %v", vs, err)
	}
}

// avroUser is serialized by the avrov2 serde, which derives its schema from the struct.
type avroUser struct {
	Name  string `avro:"name"`
	Age   int    `avro:"age"`
	Email string `avro:"email"`
}

// jsonOrder is serialized by the jsonschema serde, which reflects its schema.
type jsonOrder struct {
	ID    string  `json:"id"`
	Total float64 `json:"total"`
	Lines []struct {
		SKU string `json:"sku"`
		Qty int    `json:"qty"`
	} `json:"lines"`
}

// roundTrip serializes in for topic with ser, and deserializes the payload
// into out with deser.
func roundTrip(t *testing.T, ser serde.Serializer, deser serde.Deserializer, topic string, in, out any) {
	t.Helper()
	payload, err := ser.Serialize(topic, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := deser.DeserializeInto(topic, payload, out); err != nil {
		t.Fatal(err)
	}
}

// avroRoundTrip serializes a user for topic with the avrov2 serializer on
// one client (auto-registering), reads it back with the deserializer on
// another, and fails unless the same user comes back.
func avroRoundTrip(t *testing.T, serClient, deserClient schemaregistry.Client, topic string) {
	t.Helper()
	ser, err := avrov2.NewSerializer(serClient, serde.ValueSerde, avrov2.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	deser, err := avrov2.NewDeserializer(deserClient, serde.ValueSerde, avrov2.NewDeserializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	in := avroUser{Name: "Ada", Age: 36, Email: "ada@example.com"}
	var out avroUser
	roundTrip(t, ser, deser, topic, &in, &out)
	if out != in {
		t.Errorf("round trip on %s: %+v, want %+v", topic, out, in)
	}
}

// TestConfluentSerdes serializes with one confluent-kafka-go client (auto-registering)
// and deserializes with a fresh client that knows nothing but the registry's URL.
func TestConfluentSerdes(t *testing.T) {
	t.Parallel()
	m := startHerald(t, filepath.Join(t.TempDir(), "herald.db"))
	newClient := func() schemaregistry.Client {
		c, err := schemaregistry.NewClient(schemaregistry.NewConfig(m.URL()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}

	t.Run("Avro", func(t *testing.T) {
		avroRoundTrip(t, newClient(), newClient(), "users")
	})

	t.Run("JSONSchema", func(t *testing.T) {
		// The serializer validates the payload against the schema as Herald
		// returns it. (The deserializer's validation only works on generic
		// values, not on a struct target: a client-side limitation.)
		sconf := ckjson.NewSerializerConfig()
		sconf.EnableValidation = true
		ser, err := ckjson.NewSerializer(newClient(), serde.ValueSerde, sconf)
		if err != nil {
			t.Fatal(err)
		}
		in := jsonOrder{ID: "o-1", Total: 12.5}
		in.Lines = append(in.Lines, struct {
			SKU string `json:"sku"`
			Qty int    `json:"qty"`
		}{"sku-1", 2})
		deser, err := ckjson.NewDeserializer(newClient(), serde.ValueSerde, ckjson.NewDeserializerConfig())
		if err != nil {
			t.Fatal(err)
		}
		var out jsonOrder
		roundTrip(t, ser, deser, "orders-json", &in, &out)
		if out.ID != in.ID || out.Total != in.Total || len(out.Lines) != 1 || out.Lines[0].SKU != "sku-1" {
			t.Errorf("round trip: %+v", out)
		}
	})

	t.Run("Protobuf", func(t *testing.T) {
		order, cancelled := protoMessages(t)
		ser, err := ckproto.NewSerializer(newClient(), serde.ValueSerde, ckproto.NewSerializerConfig())
		if err != nil {
			t.Fatal(err)
		}
		msg := dynamicpb.NewMessage(order)
		fd := order.Fields()
		money := dynamicpb.NewMessage(fd.ByName("total").Message())
		money.Set(money.Descriptor().Fields().ByName("currency"), protoreflect.ValueOfString("EUR"))
		money.Set(money.Descriptor().Fields().ByName("units"), protoreflect.ValueOfInt64(42))
		placed := dynamicpb.NewMessage(fd.ByName("placed_at").Message())
		placed.Set(placed.Descriptor().Fields().ByName("seconds"), protoreflect.ValueOfInt64(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix()))
		msg.Set(fd.ByName("id"), protoreflect.ValueOfString("o-1"))
		msg.Set(fd.ByName("total"), protoreflect.ValueOfMessage(money))
		msg.Set(fd.ByName("placed_at"), protoreflect.ValueOfMessage(placed))
		payload, err := ser.Serialize("orders-proto", msg)
		if err != nil {
			t.Fatal(err)
		}
		// The import of our own file was auto-registered under its import path.
		check := newClient()
		subs, err := check.GetAllSubjects()
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(subs)
		if !slices.Contains(subs, "acme/common/money.proto") || !slices.Contains(subs, "orders-proto-value") {
			t.Errorf("subjects = %v", subs)
		}
		md, err := check.GetLatestSchemaMetadata("orders-proto-value")
		if err != nil || md.SchemaType != "PROTOBUF" || len(md.References) != 1 || md.References[0].Name != "acme/common/money.proto" {
			t.Errorf("registered order schema = %+v, %v", md, err)
		}

		deser, err := ckproto.NewDeserializer(newClient(), serde.ValueSerde, ckproto.NewDeserializerConfig())
		if err != nil {
			t.Fatal(err)
		}
		for _, md := range []protoreflect.MessageDescriptor{order, cancelled} {
			if err := deser.ProtoRegistry.RegisterMessage(dynamicpb.NewMessageType(md)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := deser.Deserialize("orders-proto", payload)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got.(proto.Message), msg) {
			t.Errorf("round trip: %v, want %v", got, msg)
		}

		// A second message of the same file travels with message index [1].
		cmsg := dynamicpb.NewMessage(cancelled)
		cmsg.Set(cancelled.Fields().ByName("id"), protoreflect.ValueOfString("o-1"))
		cmsg.Set(cancelled.Fields().ByName("reason"), protoreflect.ValueOfString("changed mind"))
		payload, err = ser.Serialize("orders-proto", cmsg)
		if err != nil {
			t.Fatal(err)
		}
		got, err = deser.Deserialize("orders-proto", payload)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got.(proto.Message), cmsg) {
			t.Errorf("round trip of the second message: %v", got)
		}
	})
}

// protoMessages compiles testdata/acme/orders/order.proto (which imports our
// money.proto and google/protobuf/timestamp.proto) and returns its two
// top-level messages, for dynamicpb.
func protoMessages(t *testing.T) (order, cancelled protoreflect.MessageDescriptor) {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	s, err := protobuf.Parse(read("acme/orders/order.proto"), []compat.Reference{{Name: "acme/common/money.proto", Text: read("acme/common/money.proto")}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := s.File().Messages()
	return msgs.ByName("Order"), msgs.ByName("OrderCancelled")
}

// TestRestartDurability registers through one server, stops it gracefully,
// starts another on the same file, and finds everything with the same ids.
func TestRestartDurability(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "herald.db")
	ctx := context.Background()

	m1 := startHerald(t, db)
	cl := srClient(t, m1)
	a, err := cl.CreateSchema(ctx, "a-value", sr.Schema{Schema: userV1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := cl.CreateSchema(ctx, "a-value", sr.Schema{Schema: userV2})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cl.CreateSchema(sr.InContext(ctx, ".other"), "c", sr.Schema{Schema: userBad})
	if err != nil {
		t.Fatal(err)
	}
	if res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatFull}, "a-value"); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	if err := cl.DeleteSchema(ctx, "a-value", 1, sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	if res := cl.SetMode(ctx, sr.ModeReadOnly, "a-value"); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	m1.stop()

	m2 := startHerald(t, db)
	cl = srClient(t, m2)
	for _, want := range []sr.SubjectSchema{b} {
		got, err := cl.SchemaByVersion(ctx, want.Subject, want.Version)
		if err != nil || got.ID != want.ID || got.Schema.Schema != want.Schema.Schema {
			t.Errorf("after restart %s v%d = %+v, %v; want id %d", want.Subject, want.Version, got, err, want.ID)
		}
	}
	if s, err := cl.SchemaByID(ctx, a.ID); err != nil || s.Schema != userV1 {
		t.Errorf("soft-deleted id %d after restart: %+v, %v", a.ID, s, err)
	}
	if vs, err := cl.SubjectVersions(sr.WithParams(ctx, sr.ShowDeleted), "a-value"); err != nil || !slices.Equal(vs, []int{1, 2}) {
		t.Errorf("versions with deleted after restart = %v, %v", vs, err)
	}
	if s, err := cl.SchemaByID(sr.InContext(ctx, ".other"), c.ID); err != nil || s.Schema != userBad {
		t.Errorf("context schema after restart: %+v, %v", s, err)
	}
	if res := cl.Compatibility(ctx, "a-value"); res[0].Err != nil || res[0].Level != sr.CompatFull {
		t.Errorf("config after restart = %+v", res[0])
	}
	if res := cl.Mode(ctx, "a-value"); res[0].Err != nil || res[0].Mode != sr.ModeReadOnly {
		t.Errorf("mode after restart = %+v", res[0])
	}
	// New ids continue after the old ones.
	if res := cl.ResetMode(ctx, "a-value"); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	d, err := cl.CreateSchema(ctx, "d-value", sr.Schema{Schema: `{"type":"string"}`})
	if err != nil || d.ID != b.ID+1 {
		t.Errorf("new id after restart = %d (%v), want %d", d.ID, err, b.ID+1)
	}
}
