package server

import (
	"bytes"
	"io"

	"github.com/gin-gonic/gin"
)

// receiveBodyLimit is how much of a receive's body is read to tell whether
// it carries anything: past an empty JSON object, any byte is a refusal.
const receiveBodyLimit = 64

// refuseReceiveBody refuses a POST /v1/topics/{topic}/receive whose body
// carries anything: its parameters are query parameters, and a body such as
// {"max":5} would otherwise be ignored without a word. An empty body, or an
// empty JSON object, is accepted.
func refuseReceiveBody(c *gin.Context) error {
	b, err := io.ReadAll(io.LimitReader(c.Request.Body, receiveBodyLimit))
	if err != nil {
		return err
	}
	if b = bytes.TrimSpace(b); len(b) == 0 || bytes.Equal(b, []byte("{}")) {
		return nil
	}
	return errInvalidBody.with("receive takes its parameters in the query, not the body: send no body and use " +
		"?max=10&visibility=30s&wait=5s (max, visibility and wait)")
}
