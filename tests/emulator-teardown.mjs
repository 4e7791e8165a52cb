export default async function teardown() {
  await globalThis.__EMULATOR__?.stop();
}
