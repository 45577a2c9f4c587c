// The chat page: starts the rasa-webchat widget and handles logging in with a koppelcode.
//
// The server checks the code and answers with a short-lived signed token. The widget
// sends that token in customData, so the chat links the conversation at its start.
// Everything is kept in sessionStorage: closing the tab (on a shared school computer)
// forgets the conversation and the login. Only "Onthoud mij op dit apparaat" keeps a
// login longer: an HttpOnly cookie the page cannot read, which /chat/session turns into
// a fresh token. The page asks /chat/session at every load, and again after the bot
// speaks, so it always shows the login as the server knows it (a typed "uitloggen"
// ends it too).
(function () {
  "use strict";

  var TOKEN_KEY = "toptraject.chatToken";
  var NAME_KEY = "toptraject.chatName";
  var REMEMBERED_KEY = "toptraject.remembered";
  var WIDGET_SESSION_KEY = "chat_session"; // rasa-webchat's own storage key
  var LOGGED_OUT_KEY = "toptraject.loggedOut"; // say so once, after the reload
  var PORTAL_CODE = /(?:^#|&)koppelcode=([^&]+)/;

  var chat = document.getElementById("chat");
  var form = document.getElementById("login-form");
  var codeInput = document.getElementById("login-code");
  var rememberInput = document.getElementById("login-remember");
  var rememberedNote = document.getElementById("remembered");
  var message = document.getElementById("login-message");
  var loggedIn = document.getElementById("logged-in");
  var loggedInName = document.getElementById("logged-in-name");
  var panel = document.getElementById("login-panel");
  var panelTitle = document.getElementById("login-title");

  // rasa-webchat prints the conversation id to the console ("session_confirm:...",
  // "sending init payload ..."). On a shared school computer anyone could read it
  // there: those lines are dropped.
  var WIDGET_ID_LINES = /^(session_confirm:|sending init payload)/;
  var consoleLog = console.log.bind(console);
  console.log = function (first) {
    if (typeof first === "string" && WIDGET_ID_LINES.test(first)) {
      return;
    }
    consoleLog.apply(null, arguments);
  };

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle("error", Boolean(isError));
  }

  function showLogin() {
    var name = sessionStorage.getItem(NAME_KEY);
    form.hidden = Boolean(name);
    loggedIn.hidden = !name;
    loggedInName.textContent = name || "";
    rememberedNote.hidden = !(name && sessionStorage.getItem(REMEMBERED_KEY));
    // The widget's own header says it too.
    var subtitle = chat.querySelector(".rw-header .rw-subtitle, .rw-subtitle");
    if (subtitle) {
      subtitle.textContent = name ? "Ingelogd als " + name : "Je bent niet ingelogd";
    }
    panelTitle.textContent = name ? "Ingelogd als " + name : "Inloggen met je koppelcode";
    // Open beside the chat on a wide screen; folded on a phone, so the chat comes first.
    panel.open = window.matchMedia("(min-width: 48rem)").matches;
  }

  // A new login or logout starts a new conversation: the old one stays with its owner.
  function restartChat() {
    sessionStorage.removeItem(WIDGET_SESSION_KEY);
    window.location.reload();
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (answer) {
        return { ok: response.ok, body: answer };
      });
    });
  }

  function keepLogin(answer) {
    sessionStorage.setItem(TOKEN_KEY, answer.token);
    sessionStorage.setItem(NAME_KEY, answer.first_name || "");
    if (answer.remembered) {
      sessionStorage.setItem(REMEMBERED_KEY, "1");
    } else {
      sessionStorage.removeItem(REMEMBERED_KEY);
    }
  }

  function forgetLogin() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(NAME_KEY);
    sessionStorage.removeItem(REMEMBERED_KEY);
  }

  var widgetStarted = false; // set once the chat widget runs

  // What the server knows: the page's token still holds, a remembered device gives a
  // new one, or nobody is logged in. Calls back with true when the widget must start
  // over with a different login than the one it has.
  function checkLogin(done) {
    var token = sessionStorage.getItem(TOKEN_KEY);
    post(chat.dataset.sessionUrl, { token: token })
      .then(function (answer) {
        if (!answer.ok) {
          done(false);
          return;
        }
        if (answer.body.token) {
          keepLogin(answer.body);
          sessionStorage.removeItem(WIDGET_SESSION_KEY);
          showLogin();
          done(true);
          return;
        }
        if (!answer.body.logged_in && token) {
          // The login ended (typed "uitloggen", another tab, "op al je apparaten"): its
          // conversation stays with it. A running chat starts over at once in a new,
          // anonymous one, so nothing more of the old one shows here; at load, the
          // widget starts in a new one.
          forgetLogin();
          sessionStorage.removeItem(WIDGET_SESSION_KEY);
          if (widgetStarted) {
            sessionStorage.setItem(LOGGED_OUT_KEY, "1");
            window.location.reload();
            return;
          }
          showLogin();
          say(chat.dataset.textLoggedOut, false);
        }
        done(false);
      })
      .catch(function () {
        done(false); // the server is away: keep what the page has
      });
  }

  var recheck = null;
  function checkSoon() {
    window.clearTimeout(recheck);
    recheck = window.setTimeout(function () {
      if (sessionStorage.getItem(TOKEN_KEY)) {
        checkLogin(function () {});
      }
    }, 1500);
  }

  // What the assistant tells the page (actions/identity.py::tell_page): a koppelcode
  // typed in the chat linked this conversation (show who is logged in, offer
  // "Uitloggen"), or "uitloggen" typed in the chat ended it: the conversation leaves
  // the screen at once, as after the Uitloggen button (a shared school computer).
  function onBotUttered(message) {
    var state = message && message.chat_state;
    if (state === "logged_out") {
      forgetLogin();
      sessionStorage.setItem(LOGGED_OUT_KEY, "1");
      restartChat();
      return;
    }
    if (state === "logged_in" && !sessionStorage.getItem(TOKEN_KEY)) {
      sessionStorage.setItem(NAME_KEY, message.first_name || "");
      showLogin();
    }
    checkSoon();
  }

  function login(code) {
    say("Even kijken…", false);
    return post(chat.dataset.loginUrl, { code: code, remember: rememberInput.checked })
      .then(function (answer) {
        if (!answer.ok || !answer.body.token) {
          panel.open = true;
          say(answer.body.message || "Inloggen lukte niet. Probeer het opnieuw.", true);
          codeInput.focus();
          return;
        }
        keepLogin(answer.body);
        restartChat();
      })
      .catch(function () {
        say("Inloggen lukt nu even niet. Je kunt wel zonder inloggen vragen stellen.", true);
      });
  }

  // The widget's conversation id, as rasa-webchat keeps it; null when there is none.
  function conversationId() {
    try {
      var stored = JSON.parse(sessionStorage.getItem(WIDGET_SESSION_KEY) || "null");
      return stored && typeof stored.session_id === "string" ? stored.session_id : null;
    } catch (error) {
      return null;
    }
  }

  // The web app ends the login, the device's memory of it, every conversation the token
  // opened and this page's own conversation (also when a koppelcode typed in the chat
  // linked it), in one step; only then does the page start a fresh, anonymous
  // conversation. If that fails, the person stays logged in and is told so: on a
  // shared computer, "logged out" must be true when the page says it.
  function logout(everywhere) {
    var token = sessionStorage.getItem(TOKEN_KEY);
    post(chat.dataset.logoutUrl, {
      token: token,
      everywhere: everywhere === true,
      conversation: conversationId(),
    })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("logout refused");
        }
        forgetLogin();
        sessionStorage.setItem(LOGGED_OUT_KEY, "1");
        restartChat();
      })
      .catch(function () {
        panel.open = true;
        say(chat.dataset.textLogoutFailed, true);
      });
  }

  // The widget's own markup has no labels; screen readers need them.
  function labelWidget() {
    var input = chat.querySelector(".rw-new-message");
    if (input && !input.getAttribute("aria-label")) {
      input.setAttribute("aria-label", "Typ je vraag");
    }
    var send = chat.querySelector(".rw-send");
    if (send && !send.getAttribute("aria-label")) {
      send.setAttribute("aria-label", "Versturen");
    }
    // Quick replies are plain <div>s in the widget: make them reachable by Tab and
    // usable with Enter or Space, like real buttons.
    Array.prototype.forEach.call(chat.querySelectorAll(".rw-reply:not([role])"), function (reply) {
      reply.setAttribute("role", "button");
      reply.setAttribute("tabindex", "0");
      reply.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          reply.click();
        }
      });
    });
    var log = chat.querySelector(".rw-messages-container");
    if (log && !log.getAttribute("role")) {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", "Berichten");
    }
  }

  function startWidget() {
    if (!window.WebChat) {
      return;
    }
    widgetStarted = true;
    var token = sessionStorage.getItem(TOKEN_KEY);
    var name = sessionStorage.getItem(NAME_KEY);
    window.WebChat.default(
      {
        socketUrl: chat.dataset.socketUrl,
        socketPath: "/socket.io/",
        initPayload: "/greet",
        customData: token ? { chat_token: token } : {},
        title: "Toptraject chat",
        subtitle: name ? "Ingelogd als " + name : "Je bent niet ingelogd",
        inputTextFieldHint: "Typ je vraag…",
        connectingText: "Even verbinden…",
        embedded: true,
        hideWhenNotConnected: false,
        showCloseButton: false,
        withRules: false,
        showMessageDate: false,
        params: { storage: "session" },
        // A linked conversation's answers and the coordinator's replies reach a socket
        // only once it shows the token (channels/guarded.py): offer it on every
        // (re)connect, so a reloaded page hears them before the user types. Called
        // with the socket as `this`.
        onSocketEvent: {
          connect: function () {
            if (token) {
              this.emit("chat_proof", { token: token });
            }
          },
          // After the bot speaks, ask whether the login still holds ("uitloggen"),
          // and hear what the assistant tells the page itself.
          bot_uttered: onBotUttered,
        },
        customMessageDelay: function () {
          return 250;
        },
      },
      chat
    );
    new MutationObserver(labelWidget).observe(chat, { childList: true, subtree: true });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = codeInput.value.trim();
    if (!code) {
      say("Vul je koppelcode in. Die heb je van school gekregen.", true);
      codeInput.focus();
      return;
    }
    login(code);
  });
  // Back to this tab (a school computer, a phone taken from a pocket): does the login
  // still hold?
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      checkSoon();
    }
  });
  window.addEventListener("focus", checkSoon);
  document.getElementById("logout").addEventListener("click", function () {
    logout(false);
  });
  document.getElementById("logout-everywhere").addEventListener("click", function () {
    logout(true);
  });

  showLogin();
  if (sessionStorage.getItem(LOGGED_OUT_KEY)) {
    sessionStorage.removeItem(LOGGED_OUT_KEY);
    // The widget may have written the old conversation back while the page unloaded.
    sessionStorage.removeItem(WIDGET_SESSION_KEY);
    say(chat.dataset.textLoggedOut, false);
  }
  // A link from the school portal: /#koppelcode=TT-ABC-234. The code is in the
  // fragment, so it never reaches a server log; it is removed from the address at once.
  var portal = PORTAL_CODE.exec(window.location.hash);
  if (portal) {
    window.history.replaceState(null, "", window.location.pathname);
    login(decodeURIComponent(portal[1]));
    return;
  }
  checkLogin(function () {
    startWidget();
  });
})();
