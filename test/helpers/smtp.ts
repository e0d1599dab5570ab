import fs from "node:fs";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

export interface ReceivedMail {
  /** The SMTP envelope: MAIL FROM and every RCPT TO. */
  from: string;
  to: string[];
  /** The user that logged in, and whether the session was encrypted (STARTTLS or TLS). */
  user: string | undefined;
  secure: boolean;
  /** The message as mailparser reads it: subject, text, to, headers… */
  mail: ParsedMail;
}

export interface SmtpOptions {
  /** PEM files: the server offers STARTTLS with them. */
  tls?: { key: string; cert: string };
  /** Users and passwords the server accepts (AUTH PLAIN and LOGIN); without, no login is asked. */
  users?: Record<string, string>;
  /** Called with each message before the server answers; a promise that never settles keeps the client waiting. */
  beforeAccept?: () => Promise<void>;
}

/**
 * A real SMTP server (nodemailer's smtp-server) on 127.0.0.1: clients speak the protocol over a
 * socket, and each message is parsed with mailparser. It can be stopped (the port then refuses
 * connections) and started again on the same port.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  port = 0;
  private server: SMTPServer | undefined;

  constructor(private readonly opts: SmtpOptions = {}) {}

  async start(): Promise<this> {
    const { tls, users } = this.opts;
    const server = new SMTPServer({
      secure: false,
      ...(tls ? { key: fs.readFileSync(tls.key), cert: fs.readFileSync(tls.cert) } : { hideSTARTTLS: true }),
      authOptional: users === undefined,
      ...(users === undefined ? { disabledCommands: ["AUTH"] } : { authMethods: ["PLAIN", "LOGIN"] }),
      logger: false,
      closeTimeout: 200,
      onAuth: (auth, _session, done) => {
        if (users?.[auth.username ?? ""] === auth.password) done(null, { user: auth.username });
        else done(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      },
      onData: (stream: Readable, session: SMTPServerSession, done) => {
        void this.receive(stream, session).then(
          () => done(),
          (err: Error) => done(err),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  private async receive(stream: Readable, session: SMTPServerSession): Promise<void> {
    const mail = await simpleParser(stream);
    await this.opts.beforeAccept?.();
    this.received.push({
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
      to: session.envelope.rcptTo.map((r) => r.address),
      user: session.user as string | undefined, // what onAuth gave done() above: the login's user name
      secure: session.secure,
      mail,
    });
  }

  /** Stops listening: connections are refused until `start()` again, on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
