import fs from "node:fs";
import type { Command } from "commander";
import { formatIssue } from "../config-kit/issues.js";
import { hashPassword, parsePasswordFile, updatePasswordText, userNameProblem, writePasswordFile } from "../mqtt/passwd.js";
import { EXIT } from "./exit.js";

interface PasswdOptions {
  delete?: boolean;
}

/** Reads a line from the terminal without showing it, the way mosquitto_passwd and ssh do. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo goes off before the prompt shows: whatever is typed after seeing it is never displayed.
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let chars: string[] = [];
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          finish();
          return resolve(chars.join(""));
        }
        if (ch === "\u0003" || (ch === "\u0004" && chars.length === 0)) {
          finish();
          return reject(new Error("interrupted"));
        }
        if (ch === "\u007f" || ch === "\b") chars = chars.slice(0, -1);
        else chars.push(ch);
      }
    };
    stdin.on("data", onData);
  });
}

/** The first line of stdin, for scripts: `echo "$PASS" | hearth passwd FILE USER`. */
async function firstLineOfStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) return firstLineOfStdin();
  const first = await promptHidden("Password: ");
  const again = await promptHidden("Reenter password: ");
  if (first !== again) throw new Error("the passwords do not match");
  return first;
}

export function registerPasswd(program: Command): void {
  program
    .command("passwd")
    .description("Set (or with --delete remove) a broker user's password in a password file, like mosquitto_passwd")
    .argument("<file>", "the password file (mqtt.password_file); created when missing")
    .argument("<user>", "the user name devices log in with")
    .option("-D, --delete", "remove the user instead")
    .addHelpText(
      "after",
      [
        "",
        "The password is asked twice without being shown, or read from the first line of stdin when",
        "stdin is not a terminal. The file holds one line per user, `user:$scrypt$ln=15,r=8,p=1$salt$hash`;",
        "other lines stay as they are. A running Hearth reads the file again on SIGHUP.",
        "",
        "Examples:",
        "  hearth passwd config/passwd tasmota",
        '  printf "%s\\n" "$PLUG_PASSWORD" | hearth passwd config/passwd tasmota',
        "  hearth passwd --delete config/passwd old-sensor",
      ].join("\n"),
    )
    .action(async (file: string, user: string, opts: PasswdOptions) => {
      const fail = (message: string) => {
        process.stderr.write(`hearth passwd: ${message}\n`);
        process.exitCode = EXIT.invalid;
      };
      const problem = userNameProblem(user);
      if (problem) return fail(problem);
      let text = "";
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") return fail(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
      }
      for (const issue of parsePasswordFile(file, text).issues) process.stderr.write(`${formatIssue(issue)} (left as it is)\n`);

      if (opts.delete) {
        const { text: next, found } = updatePasswordText(text, user, undefined);
        if (!found) return fail(`user "${user}" is not in ${file}`);
        writePasswordFile(file, next);
        process.stdout.write(`Removed user "${user}" from ${file}. Send SIGHUP to a running Hearth to apply it.\n`);
        return;
      }
      let password: string;
      try {
        password = await readNewPassword();
      } catch (err) {
        return fail((err as Error).message);
      }
      if (password === "") return fail("the password is empty");
      const { text: next, found } = updatePasswordText(text, user, await hashPassword(password));
      writePasswordFile(file, next);
      process.stdout.write(`${found ? "Changed the password of" : "Added"} user "${user}" in ${file}. Send SIGHUP to a running Hearth to apply it.\n`);
    });
}
