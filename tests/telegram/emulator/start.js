#!/usr/bin/env node
// Starts the telegram-test-api Bot API emulator for kefu's tests and benchmark.
//
//   node start.js --port 9000 [--limits] [--drafts]
//
// telegram-test-api stores messages, hands out message ids, serves its client API
// (/sendMessage, /sendCommand, /sendCallback, /getUpdatesHistory) and posts updates
// to webhooks. Its bot side covers only a few methods, with results that the Bot API
// documents differently, so this script puts a thin layer in front of it:
//   - getUpdates long-polls and confirms updates by `offset`, as Telegram does
//     (an update is handed out again until a later offset confirms it);
//   - sendPhoto, sendChatAction, answerCallbackQuery, setMyCommands and the
//     webhook methods, with the documented results; callback queries get chat_instance;
//   - editMessageText returns the edited message, and "message is not modified";
//   - webhook posts carry X-Telegram-Bot-Api-Secret-Token, as Telegram's do;
//   - --limits answers 429 with retry_after when a bot breaks the documented limits
//     (about one message a second per chat with short bursts, 20 a minute per group,
//     30 a second overall);
//   - --drafts accepts sendMessageDraft (otherwise it is an unknown method).
// Inspection routes for the tests live under /_kefu/. Prints "READY <port>" when up.

'use strict';

const express = require('express');
const axios = require('axios');
const TelegramServer = require('telegram-test-api');

function parseArgs(argv) {
  const args = { port: 9000, limits: false, drafts: false };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--port') { args.port = Number(argv[i + 1]); i += 1; }
    else if (argv[i] === '--limits') { args.limits = true; }
    else if (argv[i] === '--drafts') { args.drafts = true; }
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const server = new TelegramServer({ port: args.port, host: '127.0.0.1', storeTimeout: 24 * 3600 });
const BOT = { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' };
const PACED = new Set([
  'sendMessage', 'sendPhoto', 'editMessageText', 'editMessageCaption', 'editMessageReplyMarkup',
]);

const record = {
  chatActions: [], drafts: [], callbackAnswers: [], commands: [],
  tooManyRequests: [], webhookFailures: 0, paced: 0,
};

// ---- Telegram's documented limits -------------------------------------------------
const limits = {
  chatBurst: 3, chatPerSecond: 1, groupPerMinute: 20, globalPerSecond: 30,
  chats: new Map(), // chat id -> { tokens, at, group: [times] }
  global: [], // send times in the last second
};

function retryAfter(chatId, now) {
  const chat = limits.chats.get(chatId) || { tokens: limits.chatBurst, at: now, group: [] };
  limits.chats.set(chatId, chat);
  chat.tokens = Math.min(limits.chatBurst, chat.tokens + ((now - chat.at) / 1000) * limits.chatPerSecond);
  chat.at = now;
  limits.global = limits.global.filter((t) => t > now - 1000);
  chat.group = chat.group.filter((t) => t > now - 60000);
  let wait = 0;
  if (chat.tokens < 1) wait = Math.max(wait, (1 - chat.tokens) / limits.chatPerSecond);
  if (limits.global.length >= limits.globalPerSecond) wait = Math.max(wait, (limits.global[0] + 1000 - now) / 1000);
  if (chatId < 0 && chat.group.length >= limits.groupPerMinute) wait = Math.max(wait, (chat.group[0] + 60000 - now) / 1000);
  if (wait > 0) return Math.max(1, Math.ceil(wait));
  chat.tokens -= 1;
  limits.global.push(now);
  if (chatId < 0) chat.group.push(now);
  return 0;
}

// ---- helpers ---------------------------------------------------------------------
const ok = (res, result) => res.json({ ok: true, result });
const fail = (res, code, description, parameters) => res.status(code).json({
  ok: false, error_code: code, description, ...(parameters ? { parameters } : {}),
});
const sameChat = (a, b) => String(a) === String(b);
const parseJson = (value) => (typeof value === 'string' ? JSON.parse(value) : value);

function storedBotMessage(chatId, messageId) {
  return server.storage.botMessages.find((u) => sameChat(u.messageId, messageId)
    && sameChat(u.message.chat_id, chatId));
}

function asMessage(stored) {
  const { message } = stored;
  const markup = parseJson(message.reply_markup);
  const out = {
    message_id: stored.messageId,
    date: Math.floor(stored.time / 1000),
    chat: { id: Number(message.chat_id), type: Number(message.chat_id) < 0 ? 'group' : 'private' },
    from: BOT,
  };
  if (message.text !== undefined) out.text = message.text;
  if (message.caption !== undefined) out.caption = message.caption;
  if (message.photo !== undefined) {
    out.photo = [{ file_id: `photo-${stored.messageId}`, file_unique_id: `u${stored.messageId}`, width: 512, height: 512 }];
  }
  if (markup && markup.inline_keyboard) out.reply_markup = markup;
  return out;
}

// ---- the layer in front of telegram-test-api ---------------------------------------
const app = express();
app.use(express.json({ limit: '10mb' }));
app.use(express.urlencoded({ extended: true, limit: '10mb' }));

app.post('/bot:token/:method', (req, res, next) => {
  if (!args.limits || !PACED.has(req.params.method)) return next();
  const chatId = Number(req.body.chat_id);
  const wait = retryAfter(chatId, Date.now());
  if (wait > 0) {
    record.tooManyRequests.push({ token: req.params.token, chatId, method: req.params.method, at: Date.now() });
    return fail(res, 429, `Too Many Requests: retry after ${wait}`, { retry_after: wait });
  }
  record.paced += 1;
  return next();
});

app.all('/bot:token/getMe', (req, res) => ok(res, BOT));

app.all('/bot:token/getUpdates', (req, res) => {
  const { token } = req.params;
  const offset = Number(req.body.offset || req.query.offset || 0);
  const timeout = Math.min(Number(req.body.timeout || req.query.timeout || 0), 25);
  const pending = () => {
    for (const u of server.storage.userMessages) {
      if (u.botToken === token && offset && u.updateId < offset) u.isRead = true;
    }
    return server.storage.userMessages
      .filter((u) => u.botToken === token && !u.isRead)
      .sort((a, b) => a.updateId - b.updateId)
      .map((u) => TelegramServer.formatUpdate(u));
  };
  const first = pending();
  if (first.length || !timeout) return ok(res, first);
  const events = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];
  let done = false;
  let timer = null;
  const stopWaiting = () => {
    done = true;
    clearTimeout(timer);
    events.forEach((e) => server.off(e, wake));
  };
  const finish = () => {
    if (done) return;
    stopWaiting();
    ok(res, pending());
  };
  function wake() { setImmediate(finish); }
  timer = setTimeout(finish, timeout * 1000);
  events.forEach((e) => server.on(e, wake));
  // The bot went away mid-poll: hand nothing out, so nothing is lost.
  res.on('close', () => { if (!done) stopWaiting(); });
  return undefined;
});

app.all('/bot:token/sendMessage', (req, res) => {
  const msg = server.addBotMessage(req.body, req.params.token);
  ok(res, asMessage(storedBotMessage(req.body.chat_id, msg.message_id)));
});

app.all('/bot:token/sendPhoto', (req, res) => {
  const msg = server.addBotMessage(req.body, req.params.token);
  ok(res, asMessage(storedBotMessage(req.body.chat_id, msg.message_id)));
});

function editRoute(field) {
  return (req, res) => {
    const stored = storedBotMessage(req.body.chat_id, req.body.message_id);
    if (!stored) return fail(res, 400, 'Bad Request: message to edit not found');
    const markup = req.body.reply_markup ? parseJson(req.body.reply_markup) : undefined;
    const sameText = field === 'reply_markup' || stored.message[field] === req.body[field];
    const sameMarkup = JSON.stringify(parseJson(stored.message.reply_markup) || null)
      === JSON.stringify(markup || null);
    if (sameText && sameMarkup) {
      return fail(res, 400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    }
    const update = { reply_markup: markup };
    if (field !== 'reply_markup') update[field] = req.body[field];
    stored.message = { ...stored.message, ...update };
    stored.editTimes = [...(stored.editTimes || []), Date.now()];
    server.emit('EditedMessageText');
    return ok(res, asMessage(stored));
  };
}
app.all('/bot:token/editMessageText', editRoute('text'));
app.all('/bot:token/editMessageCaption', editRoute('caption'));
app.all('/bot:token/editMessageReplyMarkup', editRoute('reply_markup'));

app.all('/bot:token/sendChatAction', (req, res) => {
  record.chatActions.push({ token: req.params.token, chatId: Number(req.body.chat_id), action: req.body.action, at: Date.now() });
  ok(res, true);
});

app.all('/bot:token/sendMessageDraft', (req, res, next) => {
  if (!args.drafts) return next();
  record.drafts.push({ token: req.params.token, chatId: Number(req.body.chat_id), draftId: Number(req.body.draft_id), text: req.body.text || '', at: Date.now() });
  return ok(res, true);
});

app.all('/bot:token/answerCallbackQuery', (req, res) => {
  record.callbackAnswers.push({ token: req.params.token, id: req.body.callback_query_id, text: req.body.text || '' });
  ok(res, true);
});

app.all('/bot:token/setMyCommands', (req, res) => {
  record.commands.push({ token: req.params.token, commands: parseJson(req.body.commands), language: req.body.language_code || '' });
  ok(res, true);
});

app.all('/bot:token/setWebhook', (req, res) => {
  if (!req.body.url) return fail(res, 400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
  server.setWebhook({ ...req.body }, req.params.token);
  return ok(res, true);
});

app.all('/bot:token/deleteWebhook', (req, res) => {
  server.deleteWebhook(req.params.token);
  ok(res, true);
});

// Callback queries carry chat_instance in the Bot API (the library leaves it out).
const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  const out = formatUpdate(update);
  if (out.callback_query) {
    const { message, from } = out.callback_query;
    out.callback_query.chat_instance = String((message && message.chat && message.chat.id) || from.id);
  }
  return out;
};

// Telegram sends the secret chosen in setWebhook with every webhook call.
// Update ids are taken before the webhook call is awaited (the library counts after it,
// so updates posted concurrently shared an id).
server.addUserUpdate = async function addUserUpdate(update) {
  update.updateId = this.updateId;
  this.updateId += 1;
  const webhook = this.webhooks[update.botToken];
  if (webhook) {
    const headers = webhook.secret_token ? { 'X-Telegram-Bot-Api-Secret-Token': webhook.secret_token } : {};
    try {
      await axios({ url: webhook.url, method: 'POST', data: TelegramServer.formatUpdate(update), headers });
    } catch (error) {
      record.webhookFailures += 1;
    }
  } else {
    this.storage.userMessages.push(update);
  }
};

// ---- inspection routes for the tests ------------------------------------------------
const byChat = (list, req) => list.filter((r) => r.token === req.body.token
  && (req.body.chatId === undefined || sameChat(r.chatId, req.body.chatId)));

app.post('/_kefu/botMessages', (req, res) => {
  const messages = server.storage.botMessages
    .filter((u) => u.botToken === req.body.token
      && (req.body.chatId === undefined || sameChat(u.message.chat_id, req.body.chatId)))
    .sort((a, b) => a.messageId - b.messageId)
    .map((u) => ({ ...asMessage(u), time: u.time, editTimes: u.editTimes || [] }));
  ok(res, messages);
});
app.post('/_kefu/chatActions', (req, res) => ok(res, byChat(record.chatActions, req)));
app.post('/_kefu/drafts', (req, res) => ok(res, byChat(record.drafts, req)));
app.post('/_kefu/callbackAnswers', (req, res) => ok(res, record.callbackAnswers.filter((r) => r.token === req.body.token)));
app.post('/_kefu/commands', (req, res) => ok(res, record.commands.filter((r) => r.token === req.body.token)));
app.post('/_kefu/pendingUpdates', (req, res) => ok(res, server.storage.userMessages
  .filter((u) => u.botToken === req.body.token && !u.isRead).length));
app.post('/_kefu/stats', (req, res) => ok(res, {
  tooManyRequests: record.tooManyRequests.filter((r) => !req.body.token || r.token === req.body.token),
  webhookFailures: record.webhookFailures,
  paced: record.paced,
}));

app.use(server.webServer);
server.webServer = app;

process.on('unhandledRejection', (error) => { console.error('unhandled rejection', error); });
server.start().then(() => {
  // Node closes idle keep-alive connections after 5 s, racing clients that reuse them
  // (a request written as the socket closes fails); Telegram's servers keep them longer.
  server.server.keepAliveTimeout = 75000;
  server.server.headersTimeout = 76000;
  process.stdout.write(`READY ${args.port}\n`);
});
const stop = () => server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
