package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/spf13/cobra"
)

// newConsumeCommand builds `herald consume TOPIC`: prints events as JSON lines.
// On a stream it reads from --from (or the group's committed offset) and, with
// --group, commits after each page printed. On a queue it receives, prints and
// acknowledges. --follow keeps waiting for new events.
func newConsumeCommand() *cobra.Command {
	var (
		from, group string
		follow      bool
		limit, max  int
	)
	cmd := &cobra.Command{
		Use:   "consume TOPIC",
		Short: "Print a topic's events as JSON lines (streams: read; queues: receive and ack)",
		Args:  cobra.ExactArgs(1),
	}
	fs := cmd.Flags()
	cf := addClientFlags(fs)
	fs.StringVar(&from, "from", "", "where to start: earliest, latest, an offset or an RFC 3339 time (default: the group's offset, else earliest)")
	fs.StringVar(&group, "group", "", "consumer group: start at its committed offset and commit as events are printed")
	fs.BoolVar(&follow, "follow", false, "keep waiting for new events (stop with Ctrl-C)")
	fs.IntVar(&limit, "limit", 100, "events per request")
	fs.IntVar(&max, "max", 0, "stop after this many events (0: no limit)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := cf.newClient(cmd)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		topic := url.PathEscape(args[0])
		var info struct{ Kind string }
		if err := c.do(ctx, "GET", "/v1/topics/"+topic, nil, "", &info); err != nil {
			return err
		}
		out := json.NewEncoder(cmd.OutOrStdout())
		printed := 0
		wait := ""
		if follow {
			wait = "&wait=25s"
		}
		if info.Kind == "queue" {
			if group != "" || from != "" {
				return usageErrorf("topic %s is a queue: --group and --from apply to streams", args[0])
			}
			for {
				n := limit
				if max > 0 {
					n = min(n, max-printed)
				}
				var page struct {
					Messages []map[string]any `json:"messages"`
				}
				if err := c.do(ctx, "POST", "/v1/topics/"+topic+"/receive?max="+strconv.Itoa(n)+wait, nil, "", &page); err != nil {
					return err
				}
				ids := []string{}
				for _, m := range page.Messages {
					if err := out.Encode(m); err != nil {
						return err
					}
					if id, ok := m["ackId"].(string); ok {
						ids = append(ids, id)
					}
				}
				if len(ids) > 0 {
					body, _ := json.Marshal(map[string]any{"ackIds": ids})
					if err := c.do(ctx, "POST", "/v1/topics/"+topic+"/ack", body, "application/json", nil); err != nil {
						return err
					}
				}
				printed += len(page.Messages)
				if (max > 0 && printed >= max) || (!follow && len(page.Messages) == 0) {
					return nil
				}
			}
		}
		next := from
		for {
			q := url.Values{}
			if next != "" {
				q.Set("from", next)
			}
			if group != "" {
				q.Set("group", group)
			}
			n := limit
			if max > 0 {
				n = min(n, max-printed)
			}
			q.Set("limit", strconv.Itoa(n))
			var page struct {
				Events     []json.RawMessage `json:"events"`
				NextOffset int64             `json:"nextOffset"`
			}
			if err := c.do(ctx, "GET", "/v1/topics/"+topic+"/events?"+q.Encode()+wait, nil, "", &page); err != nil {
				return err
			}
			for _, e := range page.Events {
				if err := out.Encode(e); err != nil {
					return err
				}
			}
			if group != "" && len(page.Events) > 0 {
				body := fmt.Appendf(nil, `{"offsets":[{"topic":%q,"offset":%d}]}`, args[0], page.NextOffset)
				if err := c.do(ctx, "POST", "/v1/groups/"+url.PathEscape(group)+"/offsets", body, "application/json", nil); err != nil {
					return err
				}
			}
			printed += len(page.Events)
			next = strconv.FormatInt(page.NextOffset, 10)
			if (max > 0 && printed >= max) || (!follow && len(page.Events) == 0) {
				return nil
			}
		}
	}
	return cmd
}
