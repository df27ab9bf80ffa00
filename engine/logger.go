package engine

// discardLogger drops every message.
type discardLogger struct{}

func (discardLogger) Debugw(string, ...interface{}) {}
func (discardLogger) Infow(string, ...interface{})  {}
func (discardLogger) Warnw(string, ...interface{})  {}
func (discardLogger) Errorw(string, ...interface{}) {}
