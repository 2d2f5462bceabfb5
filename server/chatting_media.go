package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/netguard"
)

// MediaClient is the client the files clients send by url are fetched with:
// through the guard webhooks use (webhook.allowedHosts), which checks every
// connection where it is dialled, a redirect's too, so no url (nor a redirect
// from it) makes the gateway reach an address it refuses. At most 5 redirects.
func MediaClient(g *netguard.Guard) *http.Client {
	t := g.Transport()
	t.ResponseHeaderTimeout = 30 * time.Second
	c := g.Client(0)
	c.Transport = t
	guarded := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return guarded(req, via)
	}
	return c
}

// fileOps are the operations whose body carries a file (as base64 or a url).
var fileOps = map[string]bool{
	"messages.sendImage": true, "messages.sendFile": true, "messages.sendVoice": true, "messages.sendVideo": true,
	"media.convertVoice": true, "media.convertVideo": true,
}

// carriesFile reports whether the request's operation carries a file.
func carriesFile(c echo.Context) bool {
	op, _ := c.Get(ctxOperation).(string)
	return fileOps[op]
}

// fileBodyLimit bounds the body of a file-carrying request: the file as base64
// at media.maxBytes, and a MiB for the rest of the JSON.
func (s *Server) fileBodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !carriesFile(c) {
			return next(c)
		}
		limit := (s.media.MaxBytes()+2)/3*4 + 1<<20
		req := c.Request()
		if req.ContentLength > limit {
			return s.fileTooLarge()
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		return next(c)
	}
}

func (s *Server) fileTooLarge() *APIError {
	return newError(http.StatusRequestEntityTooLarge, "file: %s", (&media.TooLargeError{Limit: s.media.MaxBytes()}).Error())
}

// bodyErr is the answer to a read of a file-carrying body that failed.
func (s *Server) bodyErr(err error) error {
	var tooBig *http.MaxBytesError
	var tl *media.TooLargeError
	var je *jsonError
	switch {
	case errors.As(err, &tooBig), errors.As(err, &tl):
		return s.fileTooLarge()
	case errors.As(err, &je):
		return badRequest("%s", je.Error())
	}
	return err
}

// requestSession finds the session a request is for, as sessionName does. The
// body of a file-carrying request is read as a stream into a temporary file, which
// the handler then reads, and cleanup removes: such a body is a file as base64,
// and is never held in memory.
func (s *Server) requestSession(c echo.Context) (name string, cleanup func(), err error) {
	cleanup = func() {}
	req := c.Request()
	if !carriesFile(c) || c.Param("session") != "" || c.QueryParam("session") != "" || req.Method == http.MethodGet {
		name, err := sessionName(c)
		return name, cleanup, err
	}
	tmp, err := s.media.TempFile("body-*")
	if err != nil {
		return "", cleanup, err
	}
	cleanup = func() { _ = tmp.Close(); _ = os.Remove(tmp.Name()) }
	js := newJSONStream(io.TeeReader(req.Body, tmp))
	var session *string
	err = js.object(func(key string) error {
		if key != "session" {
			return js.skip()
		}
		return smallValue(js, "session", &session)
	})
	if err == nil {
		err = js.end()
	}
	if err != nil {
		return "", cleanup, s.bodyErr(err)
	}
	if session == nil || *session == "" {
		return "", cleanup, badRequest("session: required field is missing")
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", cleanup, fmt.Errorf("rewind request body: %w", err)
	}
	req.Body = io.NopCloser(tmp)
	return *session, cleanup, nil
}

// smallValue decodes the next value, at most 64 KiB of JSON, into v; a value of
// the wrong type is a 400 naming the field.
func smallValue(js *jsonStream, field string, v any) error {
	var buf bytes.Buffer
	if err := js.value(&limitWriter{w: &buf, n: 64 << 10}); err != nil {
		if errors.Is(err, errValueTooLong) {
			return badRequest("%s: value too long", field)
		}
		return err
	}
	if err := json.Unmarshal(buf.Bytes(), v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			typ.Field = field
			return typeError(typ)
		}
		return badRequest("%s: %s", field, err.Error())
	}
	return nil
}

// fileField is the request's file: {mimetype, filename, url} or {mimetype,
// filename, data}. data is decoded as it is read, into a spooled file.
type fileField struct {
	Mimetype *string
	Filename *string
	URL      *string
	data     *media.File
	hasData  bool
}

// mediaRequest is the body of sendImage, sendFile, sendVoice and sendVideo.
type mediaRequest struct {
	ChatID   *string
	ReplyTo  *string
	Caption  *string
	Mentions []string
	Convert  *bool
	AsNote   *bool
	File     *fileField
}

// cleanup removes the spooled data, if any.
func (r *mediaRequest) cleanup() {
	if r.File != nil {
		r.File.data.Remove()
	}
}

// readFileFields reads the fields of a file object into f (field names the
// object in errors: "file" or "" for a body that is the file).
func (s *Server) readFileField(js *jsonStream, f *fileField, prefix, key string) error {
	name := prefix + key
	switch key {
	case "mimetype":
		return smallValue(js, name, &f.Mimetype)
	case "filename":
		return smallValue(js, name, &f.Filename)
	case "url":
		return smallValue(js, name, &f.URL)
	case "data":
		c, err := js.next()
		if err != nil {
			return err
		}
		if c != '"' {
			js.unread()
			var null *string
			if err := smallValue(js, name, &null); err != nil || null != nil {
				return badRequest("%s: expected a base64 string", name)
			}
			return nil
		}
		if f.data != nil {
			f.data.Remove()
		}
		spool, err := s.media.NewSpool()
		if err != nil {
			return err
		}
		dec := &media.Base64Writer{W: spool}
		err = js.str(dec)
		if err == nil {
			err = dec.Close()
		}
		var be *media.Base64Error
		if errors.As(err, &be) {
			spool.Abort()
			return badRequest("%s: %s", name, be.Error())
		}
		if err != nil {
			spool.Abort()
			return s.bodyErr(err)
		}
		file, err := spool.Finish("", "")
		if err != nil {
			return s.bodyErr(err)
		}
		f.data, f.hasData = file, true
		return nil
	}
	return js.skip()
}

// readMediaRequest reads a send's body; r.cleanup removes what it spooled, also
// after an error.
func (s *Server) readMediaRequest(c echo.Context) (*mediaRequest, error) {
	r := &mediaRequest{}
	js := newJSONStream(c.Request().Body)
	err := js.object(func(key string) error {
		switch key {
		case "chatId":
			return smallValue(js, key, &r.ChatID)
		case "reply_to":
			return smallValue(js, key, &r.ReplyTo)
		case "caption":
			return smallValue(js, key, &r.Caption)
		case "mentions":
			return smallValue(js, key, &r.Mentions)
		case "convert":
			return smallValue(js, key, &r.Convert)
		case "asNote":
			return smallValue(js, key, &r.AsNote)
		case "file":
			c, err := js.next()
			if err != nil {
				return err
			}
			js.unread()
			if c == 'n' {
				var null *struct{}
				return smallValue(js, key, &null)
			}
			if c != '{' {
				return badRequest("file: expected an object {mimetype, filename, url or data}")
			}
			if r.File == nil {
				r.File = &fileField{}
			}
			return js.object(func(k string) error { return s.readFileField(js, r.File, "file.", k) })
		}
		return js.skip()
	})
	if err == nil {
		err = js.end()
	}
	if err != nil {
		return r, s.bodyErr(err)
	}
	return r, nil
}

// checkFile validates a file object's fields; prefix is "file." for a send's
// file, "" for a body that is the file (the Media conversions).
func checkFile(f *fileField, prefix string) error {
	what := "file"
	if prefix == "" {
		what = "url or data"
	}
	if f == nil {
		return badRequest("%s: required field is missing", what)
	}
	hasURL := f.URL != nil && *f.URL != ""
	switch {
	case hasURL && f.hasData:
		return badRequest("%s: give either %surl or %sdata, not both", what, prefix, prefix)
	case !hasURL && !f.hasData:
		return badRequest("%s: needs %surl (a link to the file) or %sdata (the file as base64)", what, prefix, prefix)
	}
	if f.hasData && f.data.Size == 0 {
		return badRequest("%sdata: the file is empty", prefix)
	}
	if f.Mimetype != nil && *f.Mimetype != "" {
		if _, _, err := mime.ParseMediaType(*f.Mimetype); err != nil {
			return badRequest("%smimetype: %q is not a mimetype such as image/jpeg", prefix, *f.Mimetype)
		}
	}
	return nil
}

// loadFile is the file of a request, spooled: the data it carried, or what its
// url answers.
func (s *Server) loadFile(ctx context.Context, f *fileField, prefix string) (*media.File, error) {
	mt, name := deref(f.Mimetype), deref(f.Filename)
	if f.hasData {
		file := f.data
		f.data = nil
		if mt != "" {
			file.Mimetype = mt
		}
		file.Filename = name
		return file, nil
	}
	if err := s.guard.CheckURL(ctx, *f.URL); errors.Is(err, netguard.ErrRefused) {
		return nil, badRequest("%surl: %s", prefix, err.Error())
	}
	file, err := s.media.Fetch(ctx, s.fetch, *f.URL, mt, name)
	var fe *media.FetchError
	var tl *media.TooLargeError
	switch {
	case errors.Is(err, netguard.ErrRefused):
		return nil, badRequest("%surl: %s", prefix, err.Error())
	case errors.As(err, &fe):
		return nil, newError(http.StatusUnprocessableEntity, "%surl: %s", prefix, fe.Error())
	case errors.As(err, &tl):
		return nil, s.fileTooLarge()
	case errors.Is(err, media.ErrBadURL):
		return nil, badRequest("%surl: %s", prefix, err.Error())
	case err != nil:
		return nil, fmt.Errorf("fetch file: %w", err)
	}
	return file, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// prepareErr is the answer to a file that could not be made ready to send.
func (s *Server) prepareErr(err error) error {
	var mt *media.MissingToolError
	var ce *media.ConvertError
	var tl *media.TooLargeError
	switch {
	case errors.As(err, &mt), errors.As(err, &ce):
		return newError(http.StatusUnprocessableEntity, "%s", err.Error())
	case errors.As(err, &tl):
		return s.fileTooLarge()
	}
	return fmt.Errorf("prepare file: %w", err)
}

// sendMedia serves sendImage, sendFile, sendVoice and sendVideo.
func (s *Server) sendMedia(kind engines.MediaKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := s.readMediaRequest(c)
		defer req.cleanup()
		if err != nil {
			return err
		}
		if req.ChatID == nil || *req.ChatID == "" {
			return badRequest("chatId: required field is missing")
		}
		chat, err := engines.ParseChatID(*req.ChatID)
		if err != nil {
			return badRequest("chatId: %s", err.Error())
		}
		send := engines.SendMedia{Chat: chat, Kind: kind}
		if req.ReplyTo != nil && *req.ReplyTo != "" {
			id, err := engines.ParseMessageID(*req.ReplyTo)
			if err != nil {
				return badRequest("reply_to: %s", err.Error())
			}
			send.ReplyTo = &id
		}
		if send.Mentions, err = chatIDs("mentions", req.Mentions); err != nil {
			return err
		}
		if kind != engines.MediaVoice {
			send.Caption = deref(req.Caption)
		}
		convert := req.Convert != nil && *req.Convert && (kind == engines.MediaVoice || kind == engines.MediaVideo)
		send.AsNote = kind == engines.MediaVideo && req.AsNote != nil && *req.AsNote
		if err := checkFile(req.File, "file."); err != nil {
			return err
		}
		e, err := engineAs[engines.MediaSender](s, c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		file, err := s.loadFile(ctx, req.File, "file.")
		if err != nil {
			return err
		}
		defer func() { file.Remove() }()
		if err := media.CheckKind(kind, file.Mimetype, convert); err != nil {
			return badRequest("file.mimetype: %s", err.Error())
		}
		file, send.File, err = s.media.Prepare(ctx, kind, file, convert)
		if err != nil {
			return s.prepareErr(err)
		}
		m, err := e.SendMedia(ctx, send)
		if err != nil {
			return fmt.Errorf("send %s to %s: %w", kind, chat, err)
		}
		return c.JSON(http.StatusCreated, m)
	}
}

// convertMedia serves the Media conversions: the body is the file ({url} or
// {data}), the answer the converted file, or Base64File JSON when the client
// accepts JSON.
func (s *Server) convertMedia(kind engines.MediaKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := &fileField{}
		defer func() { f.data.Remove() }()
		js := newJSONStream(c.Request().Body)
		err := js.object(func(key string) error { return s.readFileField(js, f, "", key) })
		if err == nil {
			err = js.end()
		}
		if err != nil {
			return s.bodyErr(err)
		}
		if err := checkFile(f, ""); err != nil {
			return err
		}
		if _, err := engineAs[engines.Engine](s, c); err != nil {
			return err
		}
		ctx := c.Request().Context()
		in, err := s.loadFile(ctx, f, "")
		if err != nil {
			return err
		}
		defer in.Remove()
		var out *media.File
		if kind == engines.MediaVoice {
			out, err = s.media.ConvertVoice(ctx, in)
		} else {
			out, err = s.media.ConvertVideo(ctx, in)
		}
		if err != nil {
			return s.prepareErr(err)
		}
		defer out.Remove()
		return serveFile(c, out)
	}
}

// serveFile answers with a file: its bytes, or {mimetype, data} as JSON when the
// client asks for JSON, base64-encoded as it is read.
func serveFile(c echo.Context, f *media.File) error {
	fh, err := f.Open()
	if err != nil {
		return fmt.Errorf("open converted file: %w", err)
	}
	defer fh.Close()
	res := c.Response()
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON) {
		head, _ := json.Marshal(f.Mimetype)
		res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		res.WriteHeader(http.StatusOK)
		fmt.Fprintf(res, `{"mimetype":%s,"data":"`, head)
		enc := base64.NewEncoder(base64.StdEncoding, res)
		if _, err := io.Copy(enc, fh); err != nil {
			return nil // the answer is under way: nothing else to say
		}
		_ = enc.Close()
		_, _ = io.WriteString(res, `"}`)
		return nil
	}
	res.Header().Set(echo.HeaderContentType, f.Mimetype)
	res.Header().Set(echo.HeaderContentLength, fmt.Sprint(f.Size))
	res.WriteHeader(http.StatusOK)
	_, _ = io.Copy(res, fh)
	return nil
}
