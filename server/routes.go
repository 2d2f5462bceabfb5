package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/dashboard"
	"github.com/wagate/wagate/engines"

	"github.com/wagate/wagate/server/apidocs"
)

// routes binds every operation of the capability matrix to its handler.
func (s *Server) routes() error {
	swagger := echo.WrapHandler(apidocs.SwaggerUI())
	table := []struct {
		op string
		h  echo.HandlerFunc
	}{
		{"server.ping", s.ping},
		{"server.health", s.health},
		{"server.metrics", s.metricsHandler(s.metrics.gatherer)},
		{"server.version", s.serverVersion},
		{"server.versionDeprecated", s.serverVersion},
		{"server.openapi", s.openapi},
		{"server.swagger", swagger},

		{"sessions.list", s.listSessions},
		{"sessions.create", s.createSession},
		{"sessions.get", s.getSession},
		{"sessions.update", s.updateSession},
		{"sessions.delete", s.deleteSession},
		{"sessions.start", s.sessionAction(s.manager.Start)},
		{"sessions.stop", s.sessionAction(s.manager.Stop)},
		{"sessions.restart", s.sessionAction(s.manager.Restart)},
		{"sessions.logout", s.sessionAction(s.manager.Logout)},
		{"sessions.me", s.sessionMe},
		{"sessions.startDeprecated", s.startDeprecated},
		{"sessions.stopDeprecated", s.stopDeprecated},
		{"sessions.logoutDeprecated", s.logoutDeprecated},

		{"auth.qr", s.authQR},
		{"auth.requestCode", s.authRequestCode},
		{"screenshot.get", s.screenshot},

		{"chats.list", s.listChats},
		{"chats.overview", s.chatsOverview},
		{"chats.overviewPost", s.chatsOverviewPost},
		{"chats.delete", s.deleteChat()},
		{"chats.picture", s.chatPicture},
		{"chats.messages", s.listMessages},
		{"chats.clearMessages", s.clearMessages()},
		{"chats.readMessages", s.readMessages},
		{"chats.message", s.getMessage},
		{"chats.deleteMessage", s.deleteMessage()},
		{"chats.editMessage", s.editMessage},
		{"chats.pinMessage", s.pinMessage},
		{"chats.unpinMessage", s.unpinMessage()},
		{"chats.archive", s.archiveChat(true)},
		{"chats.unarchive", s.archiveChat(false)},
		{"chats.unread", s.unreadChat()},

		{"messages.sendText", s.sendText},
		{"messages.sendImage", s.sendMedia(engines.MediaImage)},
		{"messages.sendFile", s.sendMedia(engines.MediaDocument)},
		{"messages.sendVoice", s.sendMedia(engines.MediaVoice)},
		{"messages.sendVideo", s.sendMedia(engines.MediaVideo)},
		{"media.convertVoice", s.convertMedia(engines.MediaVoice)},
		{"media.convertVideo", s.convertMedia(engines.MediaVideo)},
		{"messages.sendTextGet", s.sendTextGet},
		{"messages.reply", s.reply},
		{"messages.sendLinkPreview", s.sendLinkPreview},
		{"messages.sendLinkCustomPreview", s.sendLinkCustomPreview},
		{"messages.getNewMessageId", s.newMessageID},
		{"messages.sendLocation", s.sendLocation},
		{"messages.sendContactVcard", s.sendContactVcard},
		{"messages.sendPoll", s.sendPoll},
		{"messages.sendPollVote", s.sendPollVote},
		{"messages.forwardMessage", s.forwardMessage},
		{"messages.setReaction", s.setReaction},
		{"messages.setStar", s.setStar},
		{"messages.sendSeen", s.sendSeen},
		{"messages.startTyping", s.typing(true)},
		{"messages.stopTyping", s.typing(false)},
		{"messages.getMessages", s.getMessages},
		{"messages.checkNumberStatus", s.checkNumberStatus},
		{"messages.sendButtons", s.sendButtons},
		{"messages.sendList", s.sendList},
		{"messages.sendButtonsReply", s.sendButtonsReply},
		{"files.get", s.getFile},

		{"contacts.getAll", s.listContacts},
		{"contacts.get", s.contactByQuery},
		{"contacts.getById", s.contactByPath},
		{"contacts.checkExists", s.checkExists},
		{"contacts.getAbout", s.contactAbout},
		{"contacts.getProfilePicture", s.contactProfilePicture},
		{"contacts.block", s.blockContact(true)},
		{"contacts.unblock", s.blockContact(false)},
		{"contacts.update", s.updateContact},
		{"lids.getAll", s.listLIDs},
		{"lids.getLidsCount", s.countLIDs},
		{"lids.findPNByLid", s.pnByLID},
		{"lids.findLIDByPhoneNumber", s.lidByPN},

		{"presence.setPresence", s.setPresence},
		{"presence.getPresenceAll", s.getPresenceAll},
		{"presence.getPresence", s.getPresence},
		{"presence.subscribe", s.subscribePresence},

		{"profile.getMyProfile", s.getProfile},
		{"profile.setProfileName", s.setProfileName},
		{"profile.setProfileStatus", s.setProfileStatus},
		{"profile.setProfilePicture", s.setProfilePicture},
		{"profile.deleteProfilePicture", s.deleteProfilePicture},

		{"calls.rejectCall", s.rejectCall},

		{"groups.createGroup", s.createGroup},
		{"groups.getGroups", s.listGroups},
		{"groups.getGroupsCount", s.countGroups},
		{"groups.refreshGroups", s.refreshGroups},
		{"groups.getGroup", s.getGroup},
		{"groups.deleteGroup", s.deleteGroup()},
		{"groups.leaveGroup", s.leaveGroup()},
		{"groups.joinGroup", s.joinGroup},
		{"groups.joinInfoGroup", s.joinInfoGroup},
		{"groups.getChatPicture", s.groupPicture},
		{"groups.setPicture", s.setGroupPicture},
		{"groups.deletePicture", s.deleteGroupPicture()},
		{"groups.setSubject", s.setGroupSubject},
		{"groups.setDescription", s.setGroupDescription},
		{"groups.getInfoAdminOnly", s.getGroupSetting(engines.SettingInfoAdminOnly)},
		{"groups.setInfoAdminOnly", s.setGroupSetting(engines.SettingInfoAdminOnly)},
		{"groups.getMessagesAdminOnly", s.getGroupSetting(engines.SettingMessagesAdminOnly)},
		{"groups.setMessagesAdminOnly", s.setGroupSetting(engines.SettingMessagesAdminOnly)},
		{"groups.getInviteCode", s.groupInviteCode(false)},
		{"groups.revokeInviteCode", s.groupInviteCode(true)},
		{"groups.getParticipants", s.groupParticipants(false)},
		{"groups.getGroupParticipants", s.groupParticipants(true)},
		{"groups.addParticipants", s.updateParticipants(engines.ParticipantsAdd)},
		{"groups.removeParticipants", s.updateParticipants(engines.ParticipantsRemove)},
		{"groups.promoteToAdmin", s.updateParticipants(engines.ParticipantsPromote)},
		{"groups.demoteToAdmin", s.updateParticipants(engines.ParticipantsDemote)},

		{"webhooks.deliveries", s.listDeliveries},
		{"webhooks.retry", s.retryDelivery},
		{"events.websocket", s.eventStream},
	}
	var errs []error
	handlers := map[string]echo.HandlerFunc{}
	for _, r := range table {
		if _, ok := s.matrix.Operation(r.op); !ok {
			errs = append(errs, fmt.Errorf("handler for %q: no such operation in the capability matrix", r.op))
		}
		handlers[r.op] = r.h
	}
	// Every operation of the matrix is routed: one no engine supports yet answers
	// 501 with its feature request, never a 404 that looks like a typo.
	for _, op := range s.matrix.Operations() {
		h, ok := handlers[op.ID]
		switch {
		case ok:
		case s.matrix.Built(op.ID):
			errs = append(errs, fmt.Errorf("operation %s of the capability matrix is supported but has no handler", op.ID))
			continue
		default:
			h = s.unbuilt
		}
		s.route(op, h)
	}
	// The UI's assets live under its path.
	s.echo.GET("/swagger/*", swagger)
	s.ops["GET /swagger/*"] = "server.swagger"
	if s.dash != nil {
		h := echo.WrapHandler(s.dash)
		for _, p := range []string{dashboard.Prefix, dashboard.Prefix + "/*"} {
			s.echo.Any(p, h)
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				s.ops[m+" "+p] = "dashboard"
			}
		}
		// A browser pointed at the gateway lands on the dashboard; a key in the
		// query is dropped, never carried into a page's address.
		s.echo.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, dashboard.Prefix+"/") })
		s.ops["GET /"] = "dashboard"
		return errors.Join(errs...)
	}
	// Without the dashboard a browser lands on the Swagger UI, its key along.
	s.echo.GET("/", func(c echo.Context) error {
		to := "/swagger"
		if q := c.Request().URL.RawQuery; q != "" {
			to += "?" + q
		}
		return c.Redirect(http.StatusFound, to)
	})
	s.ops["GET /"] = "server.swagger"
	return errors.Join(errs...)
}
