package auth_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/heraldhq/herald/server/auth"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"orders-*", "orders-value", true},
		{"orders-*", "orders-", true},
		{"orders-*", "order-value", false},
		{"orders-*", "xorders-value", false},
		{"orders*", "orders", true},
		{"orders-*", "orders-a/b.proto", true},
		{"*-value", "orders-value", true},
		{"*-value", "orders-key", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"a*b*c", "abcbc", true},
		{":.staging:*", ":.staging:orders-value", true},
		{":.staging:*", "orders-value", false},
		{"*", "", true},
		{"*", "anything:at/all", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"", "", true},
		{"", "x", false},
		{"**", "x", true},
	} {
		t.Run(fmt.Sprintf("%s~%s=%v", tc.pattern, tc.name, tc.want), func(t *testing.T) {
			if got := auth.Match(tc.pattern, tc.name); got != tc.want {
				t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
			}
		})
	}
}

// TestMatchIsNotExponential checks that a pattern of many stars against a long
// name that fails only at its end does a bounded amount of work: it must
// finish at all (a backtracking matcher would not, in any reasonable time).
func TestMatchIsNotExponential(t *testing.T) {
	t.Parallel()
	pattern := strings.Repeat("a*", 30) + "b"
	name := strings.Repeat("a", 5000)
	if auth.Match(pattern, name) {
		t.Fatal("matched")
	}
}

func TestRoleIncludes(t *testing.T) {
	t.Parallel()
	want := map[auth.Role][]auth.Role{
		auth.Reader:    {auth.Reader},
		auth.Consumer:  {auth.Reader, auth.Consumer},
		auth.Producer:  {auth.Reader, auth.Producer},
		auth.Developer: {auth.Reader, auth.Consumer, auth.Producer, auth.Developer},
		auth.Admin:     {auth.Reader, auth.Consumer, auth.Producer, auth.Developer, auth.Admin},
	}
	for held, grants := range want {
		for need := auth.Reader; need <= auth.Admin; need++ {
			exp := false
			for _, g := range grants {
				exp = exp || g == need
			}
			if got := held.Includes(need); got != exp {
				t.Errorf("%v.Includes(%v) = %v, want %v", held, need, got, exp)
			}
		}
		if held.Includes(0) {
			t.Errorf("%v includes no role", held)
		}
	}
}

func TestRoleText(t *testing.T) {
	t.Parallel()
	for r := auth.Reader; r <= auth.Admin; r++ {
		b, err := r.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back auth.Role
		if err := back.UnmarshalText(b); err != nil || back != r {
			t.Errorf("%v round-trips to %v, %v", r, back, err)
		}
	}
	var r auth.Role
	if err := r.UnmarshalText([]byte("Admin")); err == nil {
		t.Error("role names are case-sensitive")
	}
	if _, err := auth.Role(0).MarshalText(); err == nil {
		t.Error("the zero role marshals")
	}
}

// TestEnumNames: valid roles and methods print and marshal as their names;
// a value outside the table prints as Type(n) and does not marshal.
func TestEnumNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		v    interface {
			fmt.Stringer
			MarshalText() ([]byte, error)
		}
		want   string
		wantOK bool
	}{
		{"AdminIsNamed", auth.Admin, "admin", true},
		{"ZeroRoleIsInvalid", auth.Role(0), "Role(0)", false},
		{"RoleBeyondAdminIsInvalid", auth.Admin + 1, "Role(6)", false},
		{"AnonymousIsNamed", auth.Anonymous, "anonymous", true},
		{"MTLSIsNamed", auth.MTLS, "mtls", true},
		{"SessionIsNamed", auth.Session, "session", true},
		{"MethodBeyondSessionIsInvalid", auth.Session + 1, "Method(6)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.v.String(); got != tc.want {
				t.Errorf("String = %q, want %q", got, tc.want)
			}
			b, err := tc.v.MarshalText()
			if tc.wantOK != (err == nil) || (tc.wantOK && string(b) != tc.want) {
				t.Errorf("MarshalText = %q, %v; want ok %t", b, err, tc.wantOK)
			}
		})
	}
}

func TestActionsHaveNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, a := range auth.Actions() {
		name := a.String()
		if name == "" || strings.HasPrefix(name, "Action(") || seen[name] {
			t.Errorf("action %d has name %q", a, name)
		}
		seen[name] = true
	}
}

// TestAllowed is the policy's table: each principal against actions on
// resources in and out of its scope.
func TestAllowed(t *testing.T) {
	t.Parallel()
	p := func(bs ...auth.Binding) *auth.Principal {
		return &auth.Principal{Name: "p", Method: auth.Basic, Bindings: bs}
	}
	ordersDev := p(auth.Binding{Role: auth.Developer, Subjects: []string{"orders-*"}, Topics: []string{"orders*"}})
	admin := p(auth.Binding{Role: auth.Admin})
	scopedAdmin := p(auth.Binding{Role: auth.Admin, Subjects: []string{"orders-*"}})
	starAdmin := p(auth.Binding{Role: auth.Admin, Subjects: []string{"*"}, Topics: []string{"*"}})
	reader := p(auth.Binding{Role: auth.Reader})
	consumer := p(auth.Binding{Role: auth.Consumer, Topics: []string{"orders"}})
	producer := p(auth.Binding{Role: auth.Producer, Topics: []string{"orders"}})
	staging := p(auth.Binding{Role: auth.Developer, Subjects: []string{":.staging:*"}})
	additive := p(auth.Binding{Role: auth.Reader}, auth.Binding{Role: auth.Producer, Topics: []string{"pay*"}})
	orders := auth.Resource{Subject: "orders-value"}
	payments := auth.Resource{Subject: "payments-value"}
	topicOrders := auth.Resource{Topic: "orders"}
	topicPay := auth.Resource{Topic: "payments"}
	for _, tc := range []struct {
		name string
		p    *auth.Principal
		a    auth.Action
		r    auth.Resource
		ok   bool
		need auth.Role
	}{
		{"PublicNeedsNoOne", nil, auth.Public, auth.Resource{}, true, 0},
		{"WhoAmINeedsNoRole", p(), auth.WhoAmI, auth.Resource{}, true, 0},
		{"MetricsOpenByDefault", nil, auth.ReadMetrics, auth.Resource{}, true, 0},
		{"NilPrincipalReadsNothing", nil, auth.ReadSchema, auth.Resource{}, false, auth.Reader},
		{"NoBindingsReadNothing", p(), auth.ReadCatalog, auth.Resource{}, false, auth.Reader},
		{"DeveloperRegistersOnItsSubject", ordersDev, auth.Register, orders, true, auth.Developer},
		{"DeveloperRegistersNotElsewhere", ordersDev, auth.Register, payments, false, auth.Developer},
		{"DeveloperReadsItsSubject", ordersDev, auth.ReadSubject, orders, true, auth.Reader},
		{"DeveloperReadsNotElsewhere", ordersDev, auth.ReadSubject, payments, false, auth.Reader},
		{"DeveloperSoftDeletes", ordersDev, auth.SoftDelete, orders, true, auth.Developer},
		{"DeveloperHardDeletesNot", ordersDev, auth.HardDelete, orders, false, auth.Admin},
		{"DeveloperSetsSubjectConfig", ordersDev, auth.WriteSubjectConfig, orders, true, auth.Developer},
		{"DeveloperSetsNoGlobalConfig", ordersDev, auth.WriteGlobalConfig, auth.Resource{}, false, auth.Admin},
		{"DeveloperAppliesCatalog", ordersDev, auth.ApplyCatalog, auth.Resource{}, true, auth.Developer},
		{"ScopedDeveloperImportsNothing", ordersDev, auth.ImportCatalog, auth.Resource{}, false, auth.Developer},
		{"DeveloperPublishesOnItsTopic", ordersDev, auth.Publish, topicOrders, true, auth.Producer},
		{"DeveloperConsumesItsTopic", ordersDev, auth.Consume, topicOrders, true, auth.Consumer},
		{"DeveloperPublishesNotElsewhere", ordersDev, auth.Publish, topicPay, false, auth.Producer},
		{"DeveloperCreatesNoTopic", ordersDev, auth.WriteTopic, topicOrders, false, auth.Admin},
		{"EmptySubjectOnlyForUnscoped", ordersDev, auth.ReadSubject, auth.Resource{}, false, auth.Reader},
		{"AdminDoesEverything", admin, auth.WriteGlobalMode, auth.Resource{}, true, auth.Admin},
		{"AdminHardDeletes", admin, auth.HardDelete, payments, true, auth.Admin},
		{"ScopedAdminHardDeletesInScope", scopedAdmin, auth.HardDelete, orders, true, auth.Admin},
		{"ScopedAdminNotOutOfScope", scopedAdmin, auth.HardDelete, payments, false, auth.Admin},
		{"ScopedAdminSetsNoGlobalConfig", scopedAdmin, auth.WriteGlobalConfig, auth.Resource{}, false, auth.Admin},
		{"StarPatternsAreUnscoped", starAdmin, auth.DeleteContext, auth.Resource{}, true, auth.Admin},
		{"ReaderReadsAnySubject", reader, auth.ReadSubject, payments, true, auth.Reader},
		{"ReaderReadsNoEvents", reader, auth.Consume, topicOrders, false, auth.Consumer},
		{"ReaderPublishesNot", reader, auth.Publish, topicOrders, false, auth.Producer},
		{"ReaderTestsNoCompat", reader, auth.TestCompat, orders, false, auth.Developer},
		{"ConsumerConsumes", consumer, auth.Consume, topicOrders, true, auth.Consumer},
		{"ConsumerPublishesNot", consumer, auth.Publish, topicOrders, false, auth.Producer},
		{"ConsumerCommitsOffsets", consumer, auth.GroupOffsets, auth.Resource{}, true, auth.Consumer},
		{"ProducerPublishes", producer, auth.Publish, topicOrders, true, auth.Producer},
		{"ProducerConsumesNot", producer, auth.Consume, topicOrders, false, auth.Consumer},
		{"ProducerReadsTopicMetadata", producer, auth.ReadTopic, topicOrders, true, auth.Reader},
		{"ContextIsPartOfTheSubject", staging, auth.Register, auth.Resource{Subject: ":.staging:orders-value"}, true, auth.Developer},
		{"DefaultContextIsNotStaging", staging, auth.Register, orders, false, auth.Developer},
		{"RolesAreAdditive", additive, auth.Publish, topicPay, true, auth.Producer},
		{"AdditiveStillScoped", additive, auth.Publish, topicOrders, false, auth.Producer},
		{"InvalidActionRefused", admin, auth.Action(0), auth.Resource{}, false, auth.Admin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, need := auth.Policy{}.Allowed(tc.p, tc.a, tc.r)
			if ok != tc.ok || need != tc.need {
				t.Errorf("Allowed(%s on %v) = %v, %v; want %v, %v", tc.a, tc.r, ok, need, tc.ok, tc.need)
			}
		})
	}
}

func TestMetricsRole(t *testing.T) {
	t.Parallel()
	pol := auth.Policy{MetricsRole: auth.Admin}
	if ok, need := pol.Allowed(nil, auth.ReadMetrics, auth.Resource{}); ok || need != auth.Admin {
		t.Errorf("anonymous scrape: %v, %v; want refused, admin", ok, need)
	}
	reader := &auth.Principal{Bindings: []auth.Binding{{Role: auth.Reader}}}
	if ok, _ := pol.Allowed(reader, auth.ReadMetrics, auth.Resource{}); ok {
		t.Error("a reader scrapes metrics that need admin")
	}
	if ok, _ := (auth.Policy{MetricsRole: auth.Reader}).Allowed(reader, auth.ReadMetrics, auth.Resource{}); !ok {
		t.Error("a reader cannot scrape metrics that need reader")
	}
}
