/**
 * The resident's mail app, for the local runtime: reads the SES stand-in's store over HTTP
 * (`GET /store` of aws-ses-v2-local) and finds the confirmation link in the newest mail to an address.
 */
export interface ReceivedMail {
  subject: string;
  to: string[];
  text: string;
  html: string;
  at: number;
}

export async function mailsTo(mailboxUrl: string, address: string): Promise<ReceivedMail[]> {
  const response = await fetch(`${mailboxUrl}/store`);
  const store = (await response.json()) as {
    emails: {
      subject: string;
      destination: { to: string[] };
      body: { text?: string; html?: string };
      at: number;
    }[];
  };
  return store.emails
    .filter((mail) => mail.destination.to.some((to) => to.toLowerCase() === address.toLowerCase()))
    .map((mail) => ({
      subject: mail.subject,
      to: mail.destination.to,
      text: mail.body.text ?? '',
      html: mail.body.html ?? '',
      at: mail.at,
    }))
    .sort((a, b) => a.at - b.at);
}

/** The confirmation link of the newest mail to `address`. */
export async function latestLink(mailboxUrl: string, address: string): Promise<string> {
  const mails = await mailsTo(mailboxUrl, address);
  const link = /https?:\/\/\S+\/v1\/email-verifications\/[A-Za-z0-9_-]+/.exec(mails.at(-1)?.text ?? '')?.[0];
  if (!link) throw new Error(`no confirmation mail to ${address}`);
  return link;
}
