package bdp.ui;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSCredential;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.Oid;

/**
 * SPNEGO (Kerberos over HTTP "Negotiate") for Spark's web UIs, which since Spark 4 take
 * Jakarta servlet filters only (Hadoop's authentication filter is a javax one).
 *
 * <p>Parameters (spark.bdp.ui.SpnegoFilter.param.NAME): {@code principal}, the HTTP/host
 * principal the browser asks a ticket for; {@code keytab}, its keys; {@code users}, optional,
 * the local user of each service principal's first component as Hadoop maps it
 * ({@code nn=hdfs,rm=yarn}). A request without a valid ticket gets 401 and a Negotiate
 * challenge; an authenticated one goes on as that user, or else as the principal's first
 * component (analyst/host@REALM is analyst), which Spark's ACLs (spark.acls.enable,
 * spark.history.ui.acls.enable) then judge.
 */
public final class SpnegoFilter implements Filter {
  private static final String NEGOTIATE = "Negotiate";
  private static final Oid SPNEGO = oid("1.3.6.1.5.5.2");
  // Clients send either SPNEGO tokens (browsers, curl) or bare Kerberos ones (GSSAPI clients
  // such as Python's requests-gssapi and Ansible's uri module).
  private static final Oid KERBEROS = oid("1.2.840.113554.1.2.2");
  private static final System.Logger LOG = System.getLogger(SpnegoFilter.class.getName());

  private final Map<String, String> users = new HashMap<>();
  private Subject server;

  @Override
  public void init(FilterConfig config) throws ServletException {
    String principal = required(config, "principal");
    String keytab = required(config, "keytab");
    String mapping = config.getInitParameter("users");
    for (String pair : mapping == null ? new String[0] : mapping.split(",")) {
      String[] serviceAndUser = pair.trim().split("=", 2);
      if (serviceAndUser.length != 2 || serviceAndUser[0].isEmpty() || serviceAndUser[1].isEmpty()) {
        throw new ServletException("SPNEGO: parameter users: not service=user: " + pair);
      }
      users.put(serviceAndUser[0], serviceAndUser[1]);
    }
    Configuration fromKeytab =
        new Configuration() {
          @Override
          public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
            Map<String, String> options =
                Map.of(
                    "useKeyTab", "true", "keyTab", keytab, "principal", principal,
                    "storeKey", "true", "doNotPrompt", "true", "isInitiator", "false");
            return new AppConfigurationEntry[] {
              new AppConfigurationEntry(
                  "com.sun.security.auth.module.Krb5LoginModule",
                  AppConfigurationEntry.LoginModuleControlFlag.REQUIRED,
                  options)
            };
          }
        };
    try {
      LoginContext login = new LoginContext("spnego", new Subject(), null, fromKeytab);
      login.login();
      server = login.getSubject();
    } catch (LoginException e) {
      throw new ServletException("SPNEGO: cannot log in as " + principal + " from " + keytab, e);
    }
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String header = request.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, NEGOTIATE + " ", 0, 10)) {
      refuse(response, "a Kerberos ticket is needed (SPNEGO)");
      return;
    }
    String client;
    try {
      byte[] token = Base64.getDecoder().decode(header.substring(10).trim());
      client = Subject.doAs(server, (PrivilegedExceptionAction<String>) () -> accept(token, response));
    } catch (PrivilegedActionException | IllegalArgumentException e) {
      Throwable cause = e instanceof PrivilegedActionException ? e.getCause() : e;
      LOG.log(
          System.Logger.Level.WARNING,
          "SPNEGO: refused a ticket from " + request.getRemoteAddr() + ": " + cause);
      refuse(response, "the Kerberos ticket was not accepted");
      return;
    }
    if (client == null) {
      refuse(response, "SPNEGO needs another round, which browsers and curl do not send");
      return;
    }
    String service = client.split("[/@]", 2)[0];
    String user = users.getOrDefault(service, service);
    chain.doFilter(new AuthenticatedRequest(request, user), response);
  }

  private static String accept(byte[] token, HttpServletResponse response) throws GSSException {
    GSSManager manager = GSSManager.getInstance();
    GSSCredential credential =
        manager.createCredential(
            null,
            GSSCredential.INDEFINITE_LIFETIME,
            new Oid[] {SPNEGO, KERBEROS},
            GSSCredential.ACCEPT_ONLY);
    GSSContext context = manager.createContext(credential);
    try {
      byte[] reply = context.acceptSecContext(token, 0, token.length);
      if (reply != null && reply.length > 0) {
        response.setHeader(
            "WWW-Authenticate", NEGOTIATE + " " + Base64.getEncoder().encodeToString(reply));
      }
      return context.isEstablished() ? context.getSrcName().toString() : null;
    } finally {
      context.dispose();
    }
  }

  private static void refuse(HttpServletResponse response, String reason) throws IOException {
    response.setHeader("WWW-Authenticate", NEGOTIATE);
    response.sendError(HttpServletResponse.SC_UNAUTHORIZED, reason);
  }

  private static String required(FilterConfig config, String name) throws ServletException {
    String value = config.getInitParameter(name);
    if (value == null || value.isEmpty()) {
      throw new ServletException("SPNEGO: parameter " + name + " is not set");
    }
    return value;
  }

  private static Oid oid(String dotted) {
    try {
      return new Oid(dotted);
    } catch (GSSException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final class AuthenticatedRequest extends HttpServletRequestWrapper {
    private final String user;

    AuthenticatedRequest(HttpServletRequest request, String user) {
      super(request);
      this.user = user;
    }

    @Override
    public String getRemoteUser() {
      return user;
    }

    @Override
    public Principal getUserPrincipal() {
      return () -> user;
    }

    @Override
    public String getAuthType() {
      return NEGOTIATE;
    }
  }
}
