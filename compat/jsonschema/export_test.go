package jsonschema

// CanReadSteps is CanRead that also reports the node pairs it compared, so that
// tests can assert that the walk is linear in the schemas.
var CanReadSteps = canRead
