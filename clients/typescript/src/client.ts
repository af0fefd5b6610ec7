// A shop front-end's calls, written against the types generated from the served schema
// (src/schema.d.ts, `npm run generate`): sign in, list the catalogue, submit a product with
// its image, place an order and read it back. `tsc --noEmit` checks every path, body,
// header and response field used here; renaming one in the API breaks this check.
import createClient from "openapi-fetch";

import type { components, paths } from "./schema";

type Product = components["schemas"]["ProductOutput"];
type Order = components["schemas"]["OrderOutput"];

export function shop(baseUrl: string) {
  return createClient<paths>({ baseUrl });
}

type Shop = ReturnType<typeof shop>;

/** The body of an error answer: every 4xx and 5xx has this shape. */
function failed(error: components["schemas"]["Error"]): never {
  throw new Error(`${error.code}: ${error.error}`);
}

export async function signIn(api: Shop, email: string, password: string): Promise<string> {
  const { data, error } = await api.POST("/auth/sign-in", { body: { email, password } });
  if (error) failed(error);
  return data.tokens.IdToken;
}

type ProductPage = components["schemas"]["ProductPageOutput"];

/** One page of the approved catalogue of a category, cheapest first ("" is the first page). */
async function cataloguePage(api: Shop, category: string, cursor: string): Promise<ProductPage> {
  const { data, error } = await api.GET("/products/approve-products", {
    params: { query: { category, cursor, pageSize: 50, ordering: "productPrice" } },
  });
  if (error) failed(error);
  return data;
}

/** Every approved product of a category, following the opaque `next` cursor. */
export async function catalogue(api: Shop, category: string): Promise<Product[]> {
  const products: Product[] = [];
  let cursor: string | null = "";
  while (cursor !== null) {
    const page = await cataloguePage(api, category, cursor);
    products.push(...page.products);
    cursor = page.next;
  }
  return products;
}

/** Submits a product for review and uploads its image straight to S3. */
export async function submitProduct(api: Shop, token: string, image: Blob): Promise<string> {
  const { data, error } = await api.POST("/products/get-upload-url", {
    headers: { Authorization: `Bearer ${token}` },
    body: {
      fileName: "lamp.png",
      fileType: "image/png",
      productName: "Desk lamp",
      productPrice: 49.99,
      quantity: 10,
      category: "Lighting",
      description: "A lamp for the desk.",
    },
  });
  if (error) failed(error);
  const upload = await fetch(data.uploadUrl, { method: "PUT", body: image });
  if (!upload.ok) throw new Error(`the image upload answered ${upload.status}`);
  return data.productId;
}

async function readOrder(api: Shop, token: string, orderId: string): Promise<Order> {
  const { data, error } = await api.GET("/orders/{order_id}", {
    headers: { Authorization: `Bearer ${token}` },
    params: { path: { order_id: orderId } },
  });
  if (error) failed(error);
  return data;
}

export async function placeOrder(
  api: Shop,
  token: string,
  product: Product,
  quantity: number,
): Promise<Order> {
  const auth = { Authorization: `Bearer ${token}` };
  const placed = await api.POST("/orders/create-order", {
    headers: { ...auth, "Idempotency-Key": crypto.randomUUID() },
    body: { id: product.id, quantity },
  });
  if (placed.error) failed(placed.error);
  return readOrder(api, token, placed.data.orderId);
}

export async function checkOut(
  api: Shop,
  token: string,
  products: Product[],
): Promise<Order> {
  const auth = { Authorization: `Bearer ${token}` };
  for (const product of products) {
    const put = await api.PUT("/cart/lines/{product_id}", {
      headers: auth,
      params: { path: { product_id: product.id } },
      body: { quantity: 1 },
    });
    if (put.error) failed(put.error);
  }
  const placed = await api.POST("/cart/checkout", {
    headers: { ...auth, "Idempotency-Key": crypto.randomUUID() },
  });
  if (placed.error) failed(placed.error);
  return readOrder(api, token, placed.data.orderId);
}

export async function main(baseUrl: string, email: string, password: string): Promise<void> {
  const api = shop(baseUrl);
  const token = await signIn(api, email, password);
  const [cheapest] = await catalogue(api, "Lighting");
  const image = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: "image/png" });
  const productId = await submitProduct(api, token, image);
  console.log(`submitted ${productId} for review`);
  if (cheapest) {
    const order: Order = await placeOrder(api, token, cheapest, 1);
    console.log(`order ${order.orderId}: ${order.status}, ${order.total} for ${order.productName}`);
    const basket: Order = await checkOut(api, token, [cheapest]);
    for (const line of basket.lines) console.log(`${line.quantity} × ${line.productName}`);
  }
}
