/*
 * Gatehouse's demo web app: the seed walkthrough's journey (register, verify by emailed code,
 * log in, temporary AWS credentials, list a bucket, session restored on reload, log out),
 * written against the unmodified official browser SDKs. Only the endpoint differs from AWS.
 */
(function () {
  'use strict';

  var cfg = window.GATEHOUSE_DEMO;
  var $ = function (id) { return document.getElementById(id); };

  // AWS's SDKs reach Gatehouse by endpoint only; everything else is as on AWS.
  AWS.config.region = cfg.region;
  AWS.config.cognitoidentity = { endpoint: cfg.endpoint };
  AWS.config.s3 = { endpoint: cfg.endpoint, s3ForcePathStyle: true, signatureVersion: 'v4' };

  var userPool = new AmazonCognitoIdentity.CognitoUserPool({
    UserPoolId: cfg.userPoolId,
    ClientId: cfg.clientId,
    endpoint: cfg.endpoint + '/',
  });
  var pending = null; // the CognitoUser awaiting verification
  var current = null; // the signed-in CognitoUser

  $('endpoint').textContent = cfg.endpoint;
  $('region').textContent = cfg.region;
  if (cfg.bucket) $('bucket-name').value = cfg.bucket;

  function show(section) {
    ['loading', 'auth', 'verify', 'home'].forEach(function (id) { $(id).hidden = id !== section; });
  }

  var toastTimer;
  function toast(message, kind) {
    var t = $('toast');
    t.textContent = message;
    t.className = 'toast ' + (kind || 'info');
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, kind === 'error' ? 8000 : 4000);
  }

  function busy(button, on) {
    button.disabled = on;
    button.classList.toggle('busy', on);
  }

  function tab(which) {
    var login = which === 'login';
    $('login-form').hidden = !login;
    $('register-form').hidden = login;
    $('tab-login').classList.toggle('active', login);
    $('tab-register').classList.toggle('active', !login);
    $('tab-login').setAttribute('aria-selected', String(login));
    $('tab-register').setAttribute('aria-selected', String(!login));
  }
  $('tab-login').onclick = function () { tab('login'); };
  $('tab-register').onclick = function () { tab('register'); };

  $('register-form').onsubmit = function (e) {
    e.preventDefault();
    var email = $('register-email').value.trim();
    var username = $('register-username').value.trim();
    var password = $('register-password').value;
    if (password !== $('register-confirm').value) return toast('The passwords do not match.', 'error');
    var button = $('register-button');
    busy(button, true);
    var attrs = [new AmazonCognitoIdentity.CognitoUserAttribute({ Name: 'email', Value: email })];
    userPool.signUp(username, password, attrs, null, function (err, result) {
      busy(button, false);
      if (err) return toast(err.message, 'error');
      pending = result.user;
      var d = result.codeDeliveryDetails;
      $('verify-destination').textContent = (d && d.Destination) || email;
      show('verify');
      toast('Account created. Enter the code we emailed you.');
    });
  };

  $('verify-form').onsubmit = function (e) {
    e.preventDefault();
    var button = $('verify-button');
    busy(button, true);
    pending.confirmRegistration($('verify-code').value.trim(), true, function (err) {
      busy(button, false);
      if (err) return toast(err.message, 'error');
      $('login-username').value = pending.getUsername();
      $('verify-code').value = '';
      pending = null;
      tab('login');
      show('auth');
      toast('Email verified. You can log in now.', 'success');
    });
  };

  $('resend-button').onclick = function () {
    pending.resendConfirmationCode(function (err) {
      toast(err ? err.message : 'A new code is on its way.', err ? 'error' : 'info');
    });
  };

  $('login-form').onsubmit = function (e) {
    e.preventDefault();
    var username = $('login-username').value.trim();
    var user = new AmazonCognitoIdentity.CognitoUser({ Username: username, Pool: userPool });
    var details = new AmazonCognitoIdentity.AuthenticationDetails({ Username: username, Password: $('login-password').value });
    var button = $('login-button');
    busy(button, true);
    user.authenticateUser(details, {
      onSuccess: function (session) {
        busy(button, false);
        $('login-password').value = '';
        signedIn(user, session);
      },
      onFailure: function (err) {
        busy(button, false);
        if (err.code === 'UserNotConfirmedException') {
          pending = user;
          $('verify-destination').textContent = 'your email address';
          show('verify');
        }
        toast(err.message, 'error');
      },
    });
  };

  function signedIn(user, session) {
    current = user;
    $('toast').hidden = true;
    var claims = session.getIdToken().decodePayload();
    $('fact-username').textContent = claims['cognito:username'];
    $('fact-email').textContent = claims.email + (claims.email_verified ? ' ✓' : '');
    $('fact-sub').textContent = claims.sub;
    $('fact-expires').textContent = new Date(claims.exp * 1000).toLocaleString();
    $('whoami').textContent = claims['cognito:username'];
    $('whoami').hidden = false;
    show('home');
    getCredentials(session.getIdToken().getJwtToken());
  }

  function getCredentials(idToken) {
    var logins = {};
    logins['cognito-idp.' + cfg.region + '.amazonaws.com/' + cfg.userPoolId] = idToken;
    AWS.config.credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: cfg.identityPoolId, Logins: logins });
    AWS.config.credentials.clearCachedId();
    ['cred-identity', 'cred-access-key', 'cred-secret', 'cred-expiration'].forEach(function (id) { $(id).textContent = '…'; });
    AWS.config.credentials.get(function (err) {
      if (err) return toast(err.message, 'error');
      var c = AWS.config.credentials;
      $('cred-identity').textContent = c.identityId;
      $('cred-access-key').textContent = c.accessKeyId;
      $('cred-secret').textContent = c.secretAccessKey;
      $('cred-secret').classList.add('masked');
      $('cred-expiration').textContent = c.expireTime ? c.expireTime.toLocaleString() : '';
      document.body.dataset.credentials = 'ready';
    });
  }

  $('reveal-secret').onclick = function () {
    var masked = $('cred-secret').classList.toggle('masked');
    $('reveal-secret').textContent = masked ? 'show' : 'hide';
  };

  $('list-form').onsubmit = function (e) {
    e.preventDefault();
    var button = $('list-button');
    busy(button, true);
    var keys = [];
    var s3 = new AWS.S3();
    (function page(token) {
      var params = { Bucket: $('bucket-name').value.trim() };
      if (token) params.ContinuationToken = token;
      s3.listObjectsV2(params, function (err, data) {
        if (err) {
          busy(button, false);
          return toast(err.message || err.code, 'error');
        }
        keys = keys.concat(data.Contents);
        if (data.IsTruncated) return page(data.NextContinuationToken);
        busy(button, false);
        renderObjects(keys);
      });
    })();
  };

  function renderObjects(objects) {
    var body = $('objects').querySelector('tbody');
    body.textContent = '';
    objects.forEach(function (o) {
      var tr = document.createElement('tr');
      [o.Key, formatSize(o.Size), new Date(o.LastModified).toLocaleString()].forEach(function (text, i) {
        var td = document.createElement('td');
        td.textContent = text;
        if (i === 1) td.className = 'num';
        if (i === 0) td.className = 'mono';
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    $('objects').hidden = objects.length === 0;
    $('objects-empty').hidden = objects.length !== 0;
  }

  function formatSize(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1024 / 1024).toFixed(1) + ' MiB';
  }

  function signedOut(message) {
    current = null;
    if (AWS.config.credentials && AWS.config.credentials.clearCachedId) AWS.config.credentials.clearCachedId();
    AWS.config.credentials = null;
    $('whoami').hidden = true;
    $('objects').hidden = true;
    $('objects-empty').hidden = true;
    delete document.body.dataset.credentials;
    tab('login');
    show('auth');
    if (message) toast(message);
  }

  $('logout-button').onclick = function () {
    if (current) current.signOut();
    signedOut('Logged out.');
  };

  $('global-logout-button').onclick = function () {
    if (!current) return signedOut();
    current.globalSignOut({
      onSuccess: function () { signedOut('Logged out on every device.'); },
      onFailure: function (err) { toast(err.message, 'error'); },
    });
  };

  // A returning visitor keeps their session: the SDK refreshes tokens from storage as needed.
  var saved = userPool.getCurrentUser();
  if (!saved) {
    show('auth');
  } else {
    saved.getSession(function (err, session) {
      if (err || !session || !session.isValid()) {
        show('auth');
        if (err) toast('Your session has ended. Please log in again.');
        return;
      }
      signedIn(saved, session);
      toast('Welcome back: your session was restored.');
    });
  }
})();
