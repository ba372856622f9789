package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/client"
)

// newPublishCommand builds `herald publish TOPIC [FILE|-]`: every JSON value in
// the input (one document, or JSON lines) is one event value, sent in batches. An
// input that is one envelope ({"events":[…]}) is sent as it is. With --raw the
// input is one event sent as bytes (application/octet-stream), for binary topics.
func newPublishCommand() *cobra.Command {
	var (
		key, id, ct string
		headers     []string
		batch       int
		raw         bool
	)
	cmd := &cobra.Command{
		Use:   "publish TOPIC [FILE|-]",
		Short: "Publish events from a file or stdin (JSON lines or one document)",
		Args:  cobra.RangeArgs(1, 2),
	}
	fs := cmd.Flags()
	cf := addClientFlags(fs)
	fs.StringVar(&key, "key", "", "event key (a JSON value, or a plain string) for every event")
	fs.StringVar(&id, "id", "", "event id, for deduplication (a batch gets <id>/<n>)")
	fs.StringArrayVar(&headers, "header", nil, "event header name=value (repeatable)")
	fs.IntVar(&batch, "batch", 100, "events per request (each request is atomic)")
	fs.BoolVar(&raw, "raw", false, "send the input as one event's bytes (binary topics: the Confluent wire format)")
	fs.StringVar(&ct, "content-type", "", "send the input as it is with this Content-Type (for example application/cloudevents+json)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := cf.newClient(cmd)
		if err != nil {
			return err
		}
		if batch < 1 {
			return usageErrorf("--batch %d: want at least 1", batch)
		}
		in := cmd.InOrStdin()
		if len(args) == 2 && args[1] != "-" {
			f, err := os.Open(args[1])
			if err != nil {
				return usageErrorf("%v", err)
			}
			defer f.Close()
			in = f
		}
		data, err := io.ReadAll(in)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		sum := publishSummary{topic: args[0]}
		publish := func(ct string, body []byte, base int) error {
			res, err := c.PublishRaw(cmd.Context(), args[0], ct, body)
			if err != nil {
				return brokerFailure(err)
			}
			if err := printPublished(out, res, base); err != nil {
				return err
			}
			sum.add(res)
			return sum.print(out)
		}
		if raw || ct != "" {
			if ct == "" {
				ct = "application/octet-stream"
			}
			return publish(ct, data, 0)
		}
		hdrs := map[string]string{}
		for _, h := range headers {
			k, v, ok := strings.Cut(h, "=")
			if !ok || k == "" {
				return usageErrorf("--header %q: want name=value", h)
			}
			hdrs[k] = v
		}
		var keyJSON json.RawMessage
		if key != "" {
			if json.Valid([]byte(key)) {
				keyJSON = json.RawMessage(key)
			} else {
				keyJSON, _ = json.Marshal(key)
			}
		}
		values, envelope, err := readValues(data)
		if err != nil {
			return usageErrorf("%v", err)
		}
		if envelope != nil {
			return publish(mediaJSON, envelope, 0)
		}
		if len(values) == 0 {
			return usageErrorf("no events in the input")
		}
		type ev struct {
			ID      string            `json:"id,omitempty"`
			Key     json.RawMessage   `json:"key,omitempty"`
			Value   json.RawMessage   `json:"value"`
			Headers map[string]string `json:"headers,omitempty"`
		}
		for start := 0; start < len(values); start += batch {
			end := min(start+batch, len(values))
			env := struct {
				Events []ev `json:"events"`
			}{}
			for i := start; i < end; i++ {
				e := ev{Key: keyJSON, Value: values[i]}
				if len(hdrs) > 0 {
					e.Headers = hdrs
				}
				if id != "" {
					e.ID = id
					if len(values) > 1 {
						e.ID = fmt.Sprintf("%s/%d", id, i)
					}
				}
				env.Events = append(env.Events, e)
			}
			body, err := json.Marshal(env)
			if err != nil {
				return err
			}
			res, err := c.PublishRaw(cmd.Context(), args[0], mediaJSON, body)
			if err != nil {
				if start > 0 {
					// Best effort, as in main: the publish error is what is returned.
					_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "herald: events 0 to %d were published; event %d and later were not\n", start-1, start)
				}
				var ae *client.APIError
				if errors.As(err, &ae) && ae.Code == codeTooManyEvents {
					ae.Message += fmt.Sprintf("; lower --batch (%d now)", batch)
				}
				return brokerFailure(err)
			}
			if err := printPublished(out, res, start); err != nil {
				return err
			}
			sum.add(res)
		}
		return sum.print(out)
	}
	return cmd
}

// readValues splits input into JSON values. A single {"events":[…]} document
// is returned as an envelope instead.
func readValues(data []byte) (values []json.RawMessage, envelope []byte, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// 0-based, as the per-event lines and the server's details count.
			return nil, nil, fmt.Errorf("input event %d: %v", len(values), err)
		}
		values = append(values, v)
	}
	if len(values) == 1 {
		var probe map[string]json.RawMessage
		if json.Unmarshal(values[0], &probe) == nil {
			if _, ok := probe["events"]; ok {
				return nil, values[0], nil
			}
		}
	}
	return values, nil, nil
}

// mediaJSON is the media type of the publish envelope.
const mediaJSON = "application/json"

// printPublished writes one line per event: its 0-based index in the input
// (base is the index of res's first event), as the server's refusal details
// count them, and what happened to it.
// codeTooManyEvents is the error_code of a publish holding more events than
// the server takes in one request.
const codeTooManyEvents = 41302

func printPublished(w io.Writer, res client.PublishResult, base int) error {
	for i, r := range res.Results {
		var err error
		switch {
		case r.DeadLetter != nil:
			_, err = fmt.Fprintf(w, "event %d: invalid, dead-lettered to %s at offset %d\n", base+i, r.DeadLetter.Topic, r.DeadLetter.Offset)
		case r.Duplicate && r.Offset >= 0:
			_, err = fmt.Fprintf(w, "event %d: duplicate of offset %d\n", base+i, r.Offset)
		case r.Offset >= 0:
			_, err = fmt.Fprintf(w, "event %d: offset %d\n", base+i, r.Offset)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// publishSummary adds up what the requests of one publish did, for its last
// line: "published 3 events to orders, offsets 10-12".
type publishSummary struct {
	topic                    string
	stored, duplicates, dead int
	firstOffset, lastOffset  int64
	deadTopics               []string
}

func (s *publishSummary) add(res client.PublishResult) {
	for _, r := range res.Results {
		switch {
		case r.DeadLetter != nil:
			s.dead++
			if !slices.Contains(s.deadTopics, r.DeadLetter.Topic) {
				s.deadTopics = append(s.deadTopics, r.DeadLetter.Topic)
			}
		case r.Duplicate:
			s.duplicates++
		case r.Offset >= 0:
			if s.stored == 0 || r.Offset < s.firstOffset {
				s.firstOffset = r.Offset
			}
			s.lastOffset = max(s.lastOffset, r.Offset)
			s.stored++
		}
	}
}

func (s *publishSummary) print(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "published %s to %s", plural(s.stored, "event"), s.topic)
	switch {
	case s.stored == 1:
		fmt.Fprintf(&b, ", offset %d", s.firstOffset)
	case s.stored > 1:
		fmt.Fprintf(&b, ", offsets %d\u2013%d", s.firstOffset, s.lastOffset)
	}
	if s.duplicates > 0 {
		fmt.Fprintf(&b, "; %s already there (duplicate ids)", plural(s.duplicates, "event"))
	}
	if s.dead > 0 {
		fmt.Fprintf(&b, "; %s invalid, dead-lettered to %s", plural(s.dead, "event"), strings.Join(s.deadTopics, ", "))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
