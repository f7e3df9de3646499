/** What forwarding alarms to a chat needs: one post of a line of text to the stage's webhook. */
export interface AlarmChatPorts {
  postToChat(text: string): Promise<void>;
}
