package registry

import (
	"bytes"
	"encoding/json"
)

// populateContract computes the metadata and rule set a new version is stored with,
// as Confluent does: what the request gives, else the previous version's; then the
// config's default under it and the config's override over it.
func populateContract(cfg Config, prev *SchemaRecord, md, rs json.RawMessage) (json.RawMessage, json.RawMessage, error) {
	if isEmptyJSON(md) && prev != nil {
		md = prev.Metadata
	}
	if isEmptyJSON(rs) && prev != nil {
		rs = prev.RuleSet
	}
	var err error
	if !isEmptyJSON(cfg.DefaultMetadata) || !isEmptyJSON(cfg.OverrideMetadata) {
		md, err = mergeContract(mergeMetadata, cfg.DefaultMetadata, md, cfg.OverrideMetadata)
		if err != nil {
			return nil, nil, newError(ErrInvalidSchema, "Invalid metadata: %v", err)
		}
	}
	if !isEmptyJSON(cfg.DefaultRuleSet) || !isEmptyJSON(cfg.OverrideRuleSet) {
		rs, err = mergeContract(mergeRuleSet, cfg.DefaultRuleSet, rs, cfg.OverrideRuleSet)
		if err != nil {
			return nil, nil, newError(ErrInvalidRuleSet, "Invalid ruleSet: %v", err)
		}
	}
	return md, rs, nil
}

func isEmptyJSON(b json.RawMessage) bool {
	t := bytes.TrimSpace(b)
	return len(t) == 0 || string(t) == "null"
}

// mergeContract merges JSON objects left to right with merge.
func mergeContract(merge func(dst, src map[string]any), layers ...json.RawMessage) (json.RawMessage, error) {
	out := map[string]any{}
	for _, l := range layers {
		if isEmptyJSON(l) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			return nil, err
		}
		merge(out, m)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return json.Marshal(out)
}

// mergeMetadata merges Confluent Metadata: tags and properties key by key (src
// wins), sensitive as a set union.
func mergeMetadata(dst, src map[string]any) {
	for k, v := range src {
		switch k {
		case "tags", "properties":
			d, _ := dst[k].(map[string]any)
			if d == nil {
				d = map[string]any{}
			}
			if s, ok := v.(map[string]any); ok {
				for kk, vv := range s {
					d[kk] = vv
				}
			}
			dst[k] = d
		case "sensitive":
			d, _ := dst[k].([]any)
			seen := map[any]bool{}
			for _, x := range d {
				seen[x] = true
			}
			if s, ok := v.([]any); ok {
				for _, x := range s {
					if !seen[x] {
						seen[x] = true
						d = append(d, x)
					}
				}
			}
			dst[k] = d
		default:
			dst[k] = v
		}
	}
}

// mergeRuleSet merges Confluent RuleSets: each rule list by rule name (a src rule
// replaces the dst rule of the same name, others are appended); other keys, src wins.
func mergeRuleSet(dst, src map[string]any) {
	for k, v := range src {
		s, isList := v.([]any)
		d, dIsList := dst[k].([]any)
		if !isList || !dIsList {
			dst[k] = v
			continue
		}
		for _, rule := range s {
			name := ruleName(rule)
			replaced := false
			for i, old := range d {
				if name != "" && ruleName(old) == name {
					d[i], replaced = rule, true
					break
				}
			}
			if !replaced {
				d = append(d, rule)
			}
		}
		dst[k] = d
	}
}

func ruleName(r any) string {
	m, _ := r.(map[string]any)
	n, _ := m["name"].(string)
	return n
}
