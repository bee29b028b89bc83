import { describe, expect, it } from "@jest/globals";
import { workerAddress } from "../../src/scope/attach-address";

describe("an attached worker's address", () => {
  it("turns a URL's user and password into a Basic header and drops them from the URL", () => {
    const a = workerAddress("http://me:p%40ss@gpu-1:8080/", { "x-api-key": "k" });
    expect(a.baseUrl).toBe("http://gpu-1:8080");
    expect(a.headers).toEqual({
      authorization: `Basic ${Buffer.from("me:p@ss").toString("base64")}`,
      "x-api-key": "k",
    });
  });

  it("lets a configured header win over the URL's credentials, and leaves a plain URL as it is", () => {
    expect(workerAddress("http://u:p@h:1", { authorization: "Bearer t" }).headers).toEqual({
      authorization: "Bearer t",
    });
    expect(workerAddress("https://h:9/")).toEqual({ baseUrl: "https://h:9", headers: {} });
  });
});
