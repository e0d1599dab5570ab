import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface SelfSigned {
  key: string;
  cert: string;
  /** Where the certificate is written, for a `ca_file`. */
  certFile: string;
  /** `AA:BB:…`, as Proxmox's UI and openssl print it. */
  fingerprint256: string;
}

/**
 * A fresh self-signed certificate for 127.0.0.1, as a Proxmox node has out of the box (its own
 * CA, not one the system trusts). Made with the openssl command line: nothing is shipped.
 */
export function selfSignedCertificate(): SelfSigned {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-tls-"));
  const keyFile = path.join(dir, "key.pem");
  const certFile = path.join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=pve-test",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "pipe" },
  );
  const cert = fs.readFileSync(certFile, "utf8");
  return { key: fs.readFileSync(keyFile, "utf8"), cert, certFile, fingerprint256: new X509Certificate(cert).fingerprint256 };
}
