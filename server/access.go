package server

// Access control: one middleware (accessMiddleware) and one table (accessRules)
// decide every request through auth.Policy.Allowed. Handlers never decide;
// listing handlers only drop the entries the caller may not read, asking
// through mayRead, which asks the same policy.

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
)

// errNoCredentials is the refusal of a request that needs credentials and sent
// none.
var errNoCredentials = fmt.Errorf("%w: this request needs credentials: HTTP Basic, or a Bearer API key or token", auth.ErrUnauthenticated)

// wwwAuthenticate is the challenge of every 401: both schemes Herald reads.
const wwwAuthenticate = `Basic realm="herald", Bearer realm="herald"`

// forbiddenError is a 403: who was refused what, and the role it needs. It
// names the principal, the action, the role and the resource, never a
// credential.
type forbiddenError struct {
	principal *auth.Principal
	action    auth.Action
	need      auth.Role
	resource  auth.Resource
}

func (e *forbiddenError) Error() string {
	where := ""
	if r := e.resource.String(); r != "" {
		where = " on " + r
	}
	switch e.action {
	case auth.WriteGlobalConfig, auth.WriteGlobalMode, auth.DeleteContext, auth.ImportCatalog:
		where = " covering every subject and topic"
	}
	return fmt.Sprintf("forbidden: %s (%s) lacks role %s%s, which %s needs", e.principal.Name, e.principal.Method,
		e.need, where, e.action)
}

func (e *forbiddenError) Unwrap() error { return errForbidden }

// ErrorDetails gives /v1 callers the refusal's parts as data.
func (e *forbiddenError) ErrorDetails() any {
	return forbiddenDetails{Principal: e.principal.Name, Action: e.action.String(), Role: e.need.String(), Resource: e.resource.String()}
}

// forbiddenDetails are the details of a 403.
type forbiddenDetails struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Role      string `json:"role"`
	Resource  string `json:"resource,omitempty"`
}

// accessKey is a route: its method and gin path.
type accessKey struct{ method, path string }

// resourceFrom says where a route names its resource.
type resourceFrom uint8

const (
	fromNothing resourceFrom = iota
	fromSubject              // the subject path parameter
	fromTopic                // the topic path parameter
)

// accessRule is one row of the route table.
type accessRule struct {
	action auth.Action
	from   resourceFrom
	// permanent, when set, is the action of the request with ?permanent=true.
	permanent auth.Action
}

// accessRules maps every route to its action. TestAccessTableCoversEveryRoute
// fails for a served route without a row, and for a row no route serves.
var accessRules = map[accessKey]accessRule{
	// Operations.
	{"GET", "/"}:             {action: auth.Public},
	{"POST", "/"}:            {action: auth.Public},
	{"GET", "/healthz"}:      {action: auth.Public},
	{"GET", "/readyz"}:       {action: auth.Public},
	{"GET", "/metrics"}:      {action: auth.ReadMetrics},
	{"GET", "/openapi.json"}: {action: auth.ReadAPI},
	{"GET", "/v1/whoami"}:    {action: auth.WhoAmI},

	// The Confluent API.
	{"GET", "/subjects"}:                                           {action: auth.ListSubjects},
	{"POST", "/subjects/:subject"}:                                 {action: auth.ReadSubject, from: fromSubject},
	{"DELETE", "/subjects/:subject"}:                               {action: auth.SoftDelete, from: fromSubject, permanent: auth.HardDelete},
	{"GET", "/subjects/:subject/metadata"}:                         {action: auth.ReadSubject, from: fromSubject},
	{"GET", "/subjects/:subject/versions"}:                         {action: auth.ReadSubject, from: fromSubject},
	{"POST", "/subjects/:subject/versions"}:                        {action: auth.Register, from: fromSubject},
	{"GET", "/subjects/:subject/versions/:version"}:                {action: auth.ReadSubject, from: fromSubject},
	{"DELETE", "/subjects/:subject/versions/:version"}:             {action: auth.SoftDelete, from: fromSubject, permanent: auth.HardDelete},
	{"GET", "/subjects/:subject/versions/:version/schema"}:         {action: auth.ReadSubject, from: fromSubject},
	{"GET", "/subjects/:subject/versions/:version/referencedby"}:   {action: auth.ReadSubject, from: fromSubject},
	{"POST", "/subjects/:subject/versions/:version/tags"}:          {action: auth.Register, from: fromSubject},
	{"GET", "/schemas"}:                                            {action: auth.ListSubjects},
	{"GET", "/schemas/types"}:                                      {action: auth.ReadAPI},
	{"GET", "/schemas/ids/:id"}:                                    {action: auth.ReadSchema},
	{"GET", "/schemas/ids/:id/schema"}:                             {action: auth.ReadSchema},
	{"GET", "/schemas/ids/:id/subjects"}:                           {action: auth.ReadSchema},
	{"GET", "/schemas/ids/:id/versions"}:                           {action: auth.ReadSchema},
	{"GET", "/schemas/guids/:guid"}:                                {action: auth.ReadSchema},
	{"GET", "/schemas/guids/:guid/ids"}:                            {action: auth.ReadSchema},
	{"POST", "/compatibility/subjects/:subject/versions"}:          {action: auth.TestCompat, from: fromSubject},
	{"POST", "/compatibility/subjects/:subject/versions/:version"}: {action: auth.TestCompat, from: fromSubject},
	{"GET", "/config"}:                                             {action: auth.ReadConfig},
	{"PUT", "/config"}:                                             {action: auth.WriteGlobalConfig},
	{"DELETE", "/config"}:                                          {action: auth.WriteGlobalConfig},
	{"GET", "/config/:subject"}:                                    {action: auth.ReadSubject, from: fromSubject},
	{"PUT", "/config/:subject"}:                                    {action: auth.WriteSubjectConfig, from: fromSubject},
	{"DELETE", "/config/:subject"}:                                 {action: auth.WriteSubjectConfig, from: fromSubject},
	{"GET", "/mode"}:                                               {action: auth.ReadConfig},
	{"PUT", "/mode"}:                                               {action: auth.WriteGlobalMode},
	{"DELETE", "/mode"}:                                            {action: auth.WriteGlobalMode},
	{"GET", "/mode/:subject"}:                                      {action: auth.ReadSubject, from: fromSubject},
	{"PUT", "/mode/:subject"}:                                      {action: auth.WriteSubjectMode, from: fromSubject},
	{"DELETE", "/mode/:subject"}:                                   {action: auth.WriteSubjectMode, from: fromSubject},
	{"GET", "/contexts"}:                                           {action: auth.ReadConfig},
	{"DELETE", "/contexts/:context"}:                               {action: auth.DeleteContext},
	{"GET", "/v1/metadata/id"}:                                     {action: auth.ReadAPI},
	{"GET", "/v1/metadata/version"}:                                {action: auth.ReadAPI},
	{"GET", "/v1/metadata/deployment"}:                             {action: auth.ReadAPI},

	// Compatibility reports.
	{"GET", "/v1/compat/rules"}:                                {action: auth.ReadAPI},
	{"POST", "/v1/compat/subjects/:subject"}:                   {action: auth.TestCompat, from: fromSubject},
	{"POST", "/v1/compat/subjects/:subject/versions/:version"}: {action: auth.TestCompat, from: fromSubject},

	// The broker.
	{"GET", "/v1/topics"}:                 {action: auth.ListTopics},
	{"GET", "/v1/topics/:topic"}:          {action: auth.ReadTopic, from: fromTopic},
	{"PUT", "/v1/topics/:topic"}:          {action: auth.WriteTopic, from: fromTopic},
	{"DELETE", "/v1/topics/:topic"}:       {action: auth.WriteTopic, from: fromTopic},
	{"POST", "/v1/topics/:topic/events"}:  {action: auth.Publish, from: fromTopic},
	{"GET", "/v1/topics/:topic/events"}:   {action: auth.Consume, from: fromTopic},
	{"GET", "/v1/topics/:topic/stream"}:   {action: auth.Consume, from: fromTopic},
	{"POST", "/v1/topics/:topic/receive"}: {action: auth.Consume, from: fromTopic},
	{"POST", "/v1/topics/:topic/ack"}:     {action: auth.Consume, from: fromTopic},
	{"POST", "/v1/topics/:topic/nack"}:    {action: auth.Consume, from: fromTopic},
	{"GET", "/v1/groups/:group/offsets"}:  {action: auth.GroupOffsets},
	{"POST", "/v1/groups/:group/offsets"}: {action: auth.GroupOffsets},
	// Dead letters hold event payloads; redriving them is an operator's repair.
	{"GET", "/v1/topics/:topic/deadletters"}:          {action: auth.ReadDeadLetters, from: fromTopic},
	{"POST", "/v1/topics/:topic/deadletters/redrive"}: {action: auth.RedriveDeadLetters, from: fromTopic},

	// The catalog API.
	{"GET", "/v1/catalog"}:                            {action: auth.ReadCatalog},
	{"PUT", "/v1/catalog"}:                            {action: auth.ApplyCatalog},
	{"POST", "/v1/catalog/import/asyncapi"}:           {action: auth.ImportCatalog},
	{"GET", "/v1/catalog/search"}:                     {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/graph"}:                      {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/services/:id/asyncapi.yaml"}: {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/teams"}:                      {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/teams/:id"}:                  {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/domains"}:                    {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/domains/:id"}:                {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/services"}:                   {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/services/:id"}:               {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/events"}:                     {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/events/:id"}:                 {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/flows"}:                      {action: auth.ReadCatalog},
	{"GET", "/v1/catalog/flows/:id"}:                  {action: auth.ReadCatalog},

	// The web catalog.
	{"GET", "/ui"}:                 {action: auth.ReadCatalog},
	{"GET", "/ui/"}:                {action: auth.ReadCatalog},
	{"GET", "/ui/search"}:          {action: auth.ReadCatalog},
	{"GET", "/ui/domains"}:         {action: auth.ReadCatalog},
	{"GET", "/ui/domains/:id"}:     {action: auth.ReadCatalog},
	{"GET", "/ui/teams"}:           {action: auth.ReadCatalog},
	{"GET", "/ui/teams/:id"}:       {action: auth.ReadCatalog},
	{"GET", "/ui/services"}:        {action: auth.ReadCatalog},
	{"GET", "/ui/services/:id"}:    {action: auth.ReadCatalog},
	{"GET", "/ui/events"}:          {action: auth.ReadCatalog},
	{"GET", "/ui/events/:id"}:      {action: auth.ReadCatalog},
	{"GET", "/ui/events/:id/diff"}: {action: auth.ReadCatalog},
	{"GET", "/ui/flows"}:           {action: auth.ReadCatalog},
	{"GET", "/ui/flows/:id"}:       {action: auth.ReadCatalog},
	{"GET", "/ui/api"}:             {action: auth.ReadCatalog},
	{"GET", "/ui/rules"}:           {action: auth.ReadCatalog},
	{"GET", "/ui/static/*file"}:    {action: auth.ReadCatalog},
	// The registry's and the broker's pages need what their APIs need; the
	// lists leave out what the caller may not read.
	{"GET", "/ui/subjects"}:          {action: auth.ListSubjects},
	{"GET", "/ui/subjects/:subject"}: {action: auth.ReadSubject, from: fromSubject},
	{"GET", "/ui/topics"}:            {action: auth.ListTopics},
	{"GET", "/ui/topics/:topic"}:     {action: auth.ReadTopic, from: fromTopic},
	{"GET", "/ui/clients/:name"}:     {action: auth.ReadCatalog},
	// Signing in is how a caller gets a credential; signing out ends one's
	// own session (the form's CSRF check is csrfMiddleware's).
	{"GET", "/ui/signin"}:                             {action: auth.SignIn},
	{"GET", "/ui/callback"}:                           {action: auth.SignIn},
	{"POST", "/ui/signout"}:                           {action: auth.SignOut},
	{"GET", basicSignInRoute}:                         {action: auth.SignOut},
	{"GET", "/ui/topics/:topic/deadletters"}:          {action: auth.ReadDeadLetters, from: fromTopic},
	{"POST", "/ui/topics/:topic/deadletters/redrive"}: {action: auth.RedriveDeadLetters, from: fromTopic},
}

// principalKey is the gin context key of the request's principal.
const principalKey = "herald.principal"

// accessMiddleware authenticates the caller and decides the request with
// accessRules and the policy. Without Config.Auth it does nothing: every
// request is allowed, as before auth existed.
//
// Public routes are answered without looking at credentials (probes send
// none). Everywhere else a credential that is sent must be valid (401
// otherwise, even where anonymous callers are allowed), a request without one
// is the anonymous principal's, and a refusal is a 401 for the anonymous
// caller (who may yet authenticate) and a 403 for anyone else. Requests that
// match no route go on to their 404 or 405.
func (s *Server) accessMiddleware(c *gin.Context) {
	a := s.cfg.Auth
	if a == nil {
		return
	}
	rule, ok := accessRules[accessKey{c.Request.Method, c.FullPath()}]
	if !ok {
		return
	}
	action := rule.action
	if action == auth.Public || (action == auth.ReadMetrics && s.policy.MetricsRole == 0) {
		return
	}
	if rule.permanent != 0 && queryBool(c, "permanent") {
		action = rule.permanent
	}
	if s.authThrottled(c) {
		return
	}
	p, err := s.authenticate(c)
	if err != nil {
		s.authFailed(c)
		s.log.WarnContext(c.Request.Context(), "authentication refused", "remote", c.Request.RemoteAddr,
			"method", c.Request.Method, "route", c.FullPath(), "err", err)
		s.refuse(c, err)
		return
	}
	// Set before the decision, so that the audit line of a refusal names
	// the principal refused.
	c.Set(principalKey, p)
	var res auth.Resource
	switch rule.from {
	case fromSubject:
		res.Subject = c.Param("subject")
	case fromTopic:
		res.Topic = c.Param("topic")
	}
	if !sessionWriteAllowed(c, p) {
		s.writeError(c, errCrossSite.with("A write signed in by the session cookie must come from Herald's own pages (Origin or Sec-Fetch-Site): "+
			"API clients send their own credentials."))
		return
	}
	if ok, need := s.policy.Allowed(p, action, res); !ok {
		if p.Method == auth.Anonymous {
			s.refuse(c, errNoCredentials)
			return
		}
		s.log.InfoContext(c.Request.Context(), "access refused", "principal", p.Name, "method", p.Method.String(),
			"action", action.String(), "need", need.String(), "resource", res.String(), "remote", c.Request.RemoteAddr)
		s.writeError(c, &forbiddenError{principal: p, action: action, need: need, resource: res})
		return
	}
}

// authenticate finds the caller: from the Authorization header, else from a
// verified client certificate whose CN names a principal, else from a web
// session cookie, else anonymous. A session cookie that is not valid (expired,
// signed out, from another key) is ignored: the caller is anonymous and may
// sign in again.
func (s *Server) authenticate(c *gin.Context) (*auth.Principal, error) {
	h := c.Request.Header.Get("Authorization")
	if h == "" {
		if tls := c.Request.TLS; tls != nil && len(tls.VerifiedChains) > 0 && len(tls.VerifiedChains[0]) > 0 {
			if p, ok := s.cfg.Auth.Certificate(tls.VerifiedChains[0][0].Subject.CommonName); ok {
				return p, nil
			}
		}
		if p, ok := s.sessionPrincipal(c); ok {
			return p, nil
		}
	}
	return s.cfg.Auth.Authenticate(c.Request.Context(), h)
}

// refuse writes a 401 with the challenge. A page, when the web sign-in is
// offered, is challenged with Bearer only: a Basic challenge would make the
// browser prompt for a password before the page's Sign in links could be
// seen. /ui/signin/basic challenges with Basic for those who want it.
func (s *Server) refuse(c *gin.Context, err error) {
	h := wwwAuthenticate
	if isPagePath(c.Request.URL.Path) && c.FullPath() != basicSignInRoute {
		if sp, _ := s.cfg.Auth.SignIn(); sp != nil {
			h = `Bearer realm="herald"`
		}
	}
	c.Header("WWW-Authenticate", h)
	s.writeError(c, err)
}

// principal is the request's principal: nil when auth is off.
func principal(c *gin.Context) *auth.Principal {
	v, ok := c.Get(principalKey)
	if !ok {
		return nil
	}
	p, _ := v.(*auth.Principal)
	return p
}

// mayRead reports whether the caller may do a to r. Listing handlers use it,
// and only it, to drop what the caller may not see; the decision is the
// policy's. With auth off everything may be read.
func (s *Server) mayRead(c *gin.Context, a auth.Action, r auth.Resource) bool {
	if s.cfg.Auth == nil {
		return true
	}
	ok, _ := s.policy.Allowed(principal(c), a, r)
	return ok
}

// readsEverySubject reports whether the caller may read every subject, so a
// listing needs no filter (a binding whose subject patterns match any name).
func (s *Server) readsEverySubject(c *gin.Context) bool {
	return s.mayRead(c, auth.ReadSubject, auth.Resource{})
}

// readsEveryTopic is readsEverySubject for topics.
func (s *Server) readsEveryTopic(c *gin.Context) bool {
	return s.mayRead(c, auth.ReadTopic, auth.Resource{})
}

// readableSubjects keeps the subjects the caller may read, in order.
func (s *Server) readableSubjects(c *gin.Context, subjects []string) []string {
	out := subjects[:0:0]
	for _, sub := range subjects {
		if s.mayRead(c, auth.ReadSubject, auth.Resource{Subject: sub}) {
			out = append(out, sub)
		}
	}
	return out
}

// pageOf applies offset and limit (limit <= 0: all) to a filtered list, as
// the registry does to an unfiltered one.
func pageOf[T any](items []T, offset, limit int) []T {
	if offset < 0 {
		offset = 0
	}
	if offset >= len(items) {
		return items[:0]
	}
	items = items[offset:]
	if limit > 0 && limit < len(items) {
		items = items[:limit]
	}
	return items
}
