/** Electron IPC channels: every API call goes through one invoke channel, every event through one send channel. */
export const IPC_CALL = 'workbench:call';
export const IPC_EVENT = 'workbench:event';
