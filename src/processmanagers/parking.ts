import type { PrismaClient } from "../generated/prisma/client.ts";
import { PipelineCommand } from "./commands.ts";

export type ParkedMessage = {
  id: string;
  processor: string;
  causeEventId: string;
  position: bigint;
  command: PipelineCommand;
  error: string;
  attempts: number;
  parkedAt: Date;
};

/** The dead-letter store: commands that failed every retry, kept until an operator acts. */
export class ParkingLot {
  constructor(private readonly prisma: PrismaClient) {}

  async park(message: ParkedMessage): Promise<void> {
    const { id, command, ...rest } = message;
    const row = { ...rest, command: command as object };
    await this.prisma.parkedMessage.upsert({ where: { id }, create: { id, ...row }, update: row });
  }

  async list(processor?: string): Promise<ParkedMessage[]> {
    const rows = await this.prisma.parkedMessage.findMany({ where: processor ? { processor } : {}, orderBy: { parkedAt: "asc" } });
    return rows.map((row) => ({ ...row, command: PipelineCommand.parse(row.command) }));
  }

  async get(id: string): Promise<ParkedMessage | undefined> {
    const row = await this.prisma.parkedMessage.findUnique({ where: { id } });
    return row ? { ...row, command: PipelineCommand.parse(row.command) } : undefined;
  }

  async remove(id: string): Promise<void> {
    await this.prisma.parkedMessage.deleteMany({ where: { id } });
  }

  async countByProcessor(): Promise<Map<string, number>> {
    const groups = await this.prisma.parkedMessage.groupBy({ by: ["processor"], _count: { _all: true } });
    return new Map(groups.map((g) => [g.processor, g._count._all]));
  }
}
