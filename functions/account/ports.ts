import type { AccountRecord, SealedField } from './model.ts';

/** What `GET /v1/me` needs from the world: the stored account, and the sealed fields opened. */
export interface AccountPorts {
  account(accountId: string): Promise<AccountRecord | undefined>;
  /** Unwraps the account's data key (KMS, cached briefly) and opens the given fields. */
  openFields(
    accountId: string,
    wrappedDataKey: string,
    sealed: Record<string, SealedField>,
  ): Promise<Record<string, string>>;
}
